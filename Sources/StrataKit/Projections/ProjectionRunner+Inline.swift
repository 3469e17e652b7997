import StrataStore
import Tracing

extension ProjectionRunner {
    /// The append hook: applies the inline projections to one request's events, in its
    /// transaction, decoding each event as far as the projections need — for appends the kit's
    /// executor did not decide (imports, tools, raw appends); the executor hands its own events
    /// over typed (`didAppend(decided:in:spans:)`).
    public func didAppend(_ events: [RecordedEvent], in transaction: any StoreTransaction) throws {
        var decoded: [UInt64: Envelope?] = [:]
        try applyInline(events.map { ($0.type, $0.position) }, in: transaction) { index, projection, store in
            let event = events[index]
            var envelope = decoded[event.position] ?? nil
            try apply(event, envelope: &envelope, to: projection, store: store)
            decoded[event.position] = envelope
        }
    }

    /// Applies the inline projections to the events a command of this process just decided and
    /// appended, as they were decided — nothing is decoded — in the append's transaction; once the
    /// commit is durable they are kept for the async projections (`DecidedEnvelopes`). Each inline
    /// projection's work is recorded in `spans` when the command is traced.
    func didAppend(decided envelopes: [Envelope], in transaction: any StoreTransaction, spans: WriterSpans?) throws {
        if let decided, !envelopes.isEmpty { transaction.afterCommit { decided.remember(envelopes) } }
        try applyInline(envelopes.map { ($0.type, $0.position) }, in: transaction, spans: spans) { index, projection, store in
            try projection.apply(envelopes[index], to: store)
        }
    }

    /// Runs `apply` for each inline projection and each of `events` (type and position) it
    /// handles, in that projection's tables, and drops the views they changed (to caches) once
    /// the commit is durable. With `spans`, each projection that handles an event is recorded as
    /// a `strata.project` span.
    private func applyInline(
        _ events: [(type: String, position: UInt64)],
        in transaction: any StoreTransaction,
        spans: WriterSpans? = nil,
        _ apply: (_ index: Int, _ projection: any Projection, _ store: ProjectionStore) throws -> Void
    ) throws {
        guard !inline.isEmpty, let last = events.last else { return }
        var changed: [ViewKey] = []
        for projection in inline {
            var opened: ProjectionStore?
            var started: DefaultTracerClock.Instant?
            var applied = 0
            do {
                for (index, event) in events.enumerated() {
                    guard let type = registry.currentType(of: event.type), projection.eventTypes.contains(type) else { continue }
                    if started == nil, spans != nil { started = DefaultTracerClock.now }
                    let store = try opened ?? openStore(of: projection, in: transaction)
                    opened = store
                    try apply(index, projection, store)
                    applied += 1
                }
                try opened?.flush()
                spans?.record("strata.project", since: started, attributes: Self.spanAttributes(projection, events: applied))
            } catch {
                spans?.record("strata.project", since: started, attributes: Self.spanAttributes(projection, events: applied), error: error)
                throw error
            }
            changed += opened?.changedKeys ?? []
        }
        if let invalidations, !changed.isEmpty {
            invalidations.publish(.keys(changed, position: last.position), after: transaction, shared: log.traits.isShared)
        }
    }

    /// A `strata.project` span's attributes: the projection and how many events it applied.
    private static func spanAttributes(_ projection: any Projection, events: Int) -> SpanAttributes {
        var attributes = SpanAttributes()
        attributes["strata.projection"] = projection.name
        attributes["strata.events"] = events
        return attributes
    }

    /// `projection`'s store over its live generation's tables.
    private func openStore(of projection: any Projection, in transaction: any StoreTransaction) throws -> ProjectionStore {
        guard let checkpoint = try checkpoints.checkpoint(projection.name, in: transaction) else {
            throw ProjectionError(message: "projection \(projection.name) was not started")
        }
        return ProjectionStore(
            transaction: transaction,
            tables: try liveTables(of: projection, generation: checkpoint.generation, in: transaction),
            registry: registry,
            rows: rows
        )
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
