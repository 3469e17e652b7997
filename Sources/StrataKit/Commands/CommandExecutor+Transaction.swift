import StrataStore

extension CommandExecutor {
    /// Gives `request` the command's own work inside its transaction, in order: the inline
    /// projections, handed the events as `context` decided them (when the executor has
    /// ``projections``; the store's hook then stays out, so nothing is decoded), the snapshots
    /// they made due, then `followUp`. With `spans` (the commit is traced) each inline projection's
    /// work is recorded for a span under the commit's.
    func prepare(_ request: inout AppendRequest, decided context: CommandContext, followUp: CommandFollowUp?, spans: WriterSpans?) {
        let events = context.decidedEvents
        let metadata = context.metadata
        let snapshotRecords = context.snapshotRecords
        let projections = projections
        request.runsAppendHook = projections == nil
        guard projections != nil || followUp != nil || !snapshotRecords.isEmpty else { return }
        request.inTransaction = { result, recorded, transaction in
            if let projections {
                try projections.didAppend(decided: try Self.envelopes(recorded, events, metadata), in: transaction, spans: spans)
            }
            try AggregateSnapshots.write(snapshotRecords, in: transaction)
            try followUp?.run(position: result.positions?.upperBound ?? 0, in: transaction)
        }
    }

    /// The recorded events with the values they were encoded from, one for one.
    static func envelopes(_ recorded: [RecordedEvent], _ events: [any Event], _ metadata: EventMetadata) throws -> [Envelope] {
        guard recorded.count == events.count else {
            throw ProjectionError(message: "the store recorded \(recorded.count) events of a command that decided \(events.count)")
        }
        return zip(recorded, events).map { stored, event in
            Envelope(
                position: stored.position,
                streamId: stored.streamId,
                streamVersion: stored.streamVersion,
                eventId: stored.id,
                type: stored.type,
                recordedAt: stored.recordedAt,
                metadata: metadata,
                event: event
            )
        }
    }
}
