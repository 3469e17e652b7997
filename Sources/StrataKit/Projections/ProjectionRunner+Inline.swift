import StrataStore

extension ProjectionRunner {
    /// Applies the inline projections to one request's events, in its transaction, and drops the
    /// views they changed (to caches) once the commit is durable; then the events this process
    /// decided are kept for its async projections (``DecidedEnvelopes``).
    public func didAppend(_ events: [RecordedEvent], in transaction: any StoreTransaction) throws {
        if let decided {
            let envelopes = events.compactMap(registry.decidedEnvelope(of:))
            if !envelopes.isEmpty { transaction.afterCommit { decided.remember(envelopes) } }
        }
        guard !inline.isEmpty, let last = events.last else { return }
        var decoded: [UInt64: Envelope?] = [:]
        var changed: [ViewKey] = []
        for projection in inline {
            var store: ProjectionStore?
            for event in events {
                guard let type = registry.currentType(of: event.type), projection.eventTypes.contains(type) else { continue }
                if store == nil {
                    guard let checkpoint = try checkpoints.checkpoint(projection.name, in: transaction) else {
                        throw ProjectionError(message: "projection \(projection.name) was not started")
                    }
                    store = ProjectionStore(
                        transaction: transaction,
                        tables: try liveTables(of: projection, generation: checkpoint.generation, in: transaction),
                        registry: registry,
                        rows: rows
                    )
                }
                if let store {
                    var envelope = decoded[event.position] ?? nil
                    try apply(event, envelope: &envelope, to: projection, store: store)
                    decoded[event.position] = envelope
                }
            }
            try store?.flush()
            changed += store?.changedKeys ?? []
        }
        if let invalidations, !changed.isEmpty {
            invalidations.publish(.keys(changed, position: last.position), after: transaction, shared: log.isShared)
        }
    }

    /// The tables of `projection`'s live `generation` (``inlineTables``), opened in `transaction`
    /// the first time.
    private func liveTables(of projection: any Projection, generation: UInt32, in transaction: any StoreTransaction) throws -> [String: Table] {
        if let known = inlineTables.withLock({ $0[projection.name] }), known.generation == generation { return known.tables }
        let tables = try checkpoints.tables(of: projection, generation: generation, in: transaction)
        inlineTables.withLock { $0[projection.name] = (generation, tables) }
        return tables
    }
}
