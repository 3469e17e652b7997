import StrataStore

extension ProjectionRunner {
    /// Rebuilds `name` from position 0 into fresh tables while the live ones keep serving, then
    /// swaps them in atomically (inside the writer, after catching up with the last events).
    /// `progress` hears how far the rebuild is after each batch.
    public func rebuild(_ name: String, progress: (@Sendable (RebuildProgress) -> Void)? = nil) async throws {
        try await rebuild([name], progress: progress)
    }

    /// Rebuilds several projections in one pass over the log: each event is read and decoded once
    /// and applied to every projection that handles it; all are swapped in together.
    public func rebuild(_ names: [String], progress: (@Sendable (RebuildProgress) -> Void)? = nil) async throws {
        do {
            _ = try await rebuildTogether(names, swapIn: true, progress: progress)
        } catch is CombinedRebuildFailed {
            // An event fails for one of them: rebuild each alone, parking what keeps failing.
            for name in names { _ = try await rebuildTogether([name], swapIn: true, progress: progress) }
        }
    }

    /// One of several projections rebuilt together failed on an event.
    struct CombinedRebuildFailed: Error {}

    /// An event the swap's catch-up met failed; nothing was swapped.
    struct SwapCatchUpFailed: Error {}

    /// Rebuilds `names` into new generations in one pass; then swaps them in (`swapIn`) or
    /// compares them with the live tables and drops them.
    func rebuildTogether(
        _ names: [String],
        swapIn: Bool,
        progress: (@Sendable (RebuildProgress) -> Void)?
    ) async throws -> [RebuildComparison] {
        let chosen = try names.map { try projection($0) }
        guard
            rebuilding.withLock({ set in
                guard set.isDisjoint(with: names) else { return false }
                set.formUnion(names)
                return true
            })
        else {
            throw ProjectionError(message: "a projection of \(names.joined(separator: ", ")) is already being rebuilt")
        }
        defer { rebuilding.withLock { $0.subtract(names) } }
        let (generations, tables) = try await startGenerations(chosen)
        let label = names.count == 1 ? names[0] : "all"
        let superseded = ProjectionError(message: "the rebuild of \(label) was superseded")
        var position: UInt64 = 0
        // The next batch is read and decoded on another thread while this one is applied and the
        // one before it written (``StagedPipeline``).
        var upcoming = Task { [self] in try await log.offload { [self] in try decodedBatch(after: 0, for: chosen) } }
        let pipeline = StagedPipeline()
        while true {
            progress?(RebuildProgress(projection: label, position: position, head: try log.headPosition()))
            let batch = try await upcoming.value
            let events = batch.events
            if !swapIn && events.isEmpty {
                guard try await pipeline.settle() else { throw superseded }
                let comparisons = try chosen.map { try compare($0, generation: generations[$0.name] ?? 0) }
                try await discard(chosen, generations)
                return comparisons
            }
            if let last = events.last?.position, events.count == rebuildBatchSize {
                upcoming = Task { [self] in try await log.offload { [self] in try decodedBatch(after: last, for: chosen) } }
            }
            let from = position
            if let last = events.last?.position { position = last }
            // An event that fails leaves `writes` empty: the batch is then applied on the writer.
            let writes = try? await applyStaged(batch, chosen, tables: tables, pipeline: pipeline)
            guard try await pipeline.settle() else {
                upcoming.cancel()
                throw superseded
            }
            if let writes {
                let through = position
                pipeline.hand { [self] in try await writeStaged(writes, chosen, generations: generations, from: from, through: through) }
            } else {
                // Everything before it has landed: one projection alone applies the batch on the
                // writer, parking what keeps failing; several are rebuilt one by one instead.
                pipeline.forgetOverlays()
                guard chosen.count == 1, let projection = chosen.first, let generation = generations[projection.name] else {
                    upcoming.cancel()
                    throw CombinedRebuildFailed()
                }
                guard try await apply(events, of: projection, target: .rebuild(generation: generation), from: from) == .applied else {
                    upcoming.cancel()
                    throw superseded
                }
            }
            if swapIn && events.count < rebuildBatchSize {
                // The last short batch is written; the writer catches up with whatever was
                // appended since (parking what fails) and swaps the new tables in.
                guard try await pipeline.settle() else { throw superseded }
                do {
                    guard try await swap(chosen, generations: generations, from: position) == .applied else { throw superseded }
                    let head = try log.headPosition()
                    progress?(RebuildProgress(projection: label, position: head, head: head))
                    return []
                } catch is SwapCatchUpFailed {
                    // An event appended meanwhile fails: the next round applies it as a batch.
                }
            }
            if events.count < rebuildBatchSize {
                let after = position
                upcoming = Task { [self] in try await log.offload { [self] in try decodedBatch(after: after, for: chosen) } }
            }
        }
    }

    /// Gives each chosen projection a fresh, empty rebuild generation at position 0.
    private func startGenerations(_ chosen: [any Projection]) async throws -> ([String: UInt32], GenerationTables) {
        try await log.perform { [checkpoints] transaction in
            var generations: [String: UInt32] = [:]
            var tables: GenerationTables = [:]
            for projection in chosen {
                guard var checkpoint = try checkpoints.checkpoint(projection.name, in: transaction) else {
                    throw ProjectionError(message: "projection \(projection.name) was not started")
                }
                let generation = max(checkpoint.generation, checkpoint.rebuildGeneration) + 1
                checkpoint.rebuildGeneration = generation
                checkpoint.rebuildPosition = 0
                let named = try checkpoints.tables(of: projection, generation: generation, in: transaction)
                for table in named.values { try transaction.clear(table) }
                try checkpoints.save(checkpoint, projection.name, in: transaction)
                generations[projection.name] = generation
                tables[projection.name] = named
            }
            return (generations, tables)
        }.value
    }

    /// The batch of events after `position`, decoded for `chosen` (``RebuildBatch``).
    private func decodedBatch(after position: UInt64, for chosen: [any Projection]) throws -> RebuildBatch {
        RebuildBatch(try log.readAll(after: position, limit: rebuildBatchSize), for: chosen, registry: registry)
    }

    /// The stores of the generations being rebuilt; `nil` when a rebuild is no longer where this
    /// batch expects it (at `from`, in the same generation).
    func rebuildStores(
        _ chosen: [any Projection],
        generations: [String: UInt32],
        from: UInt64,
        in transaction: any StoreTransaction
    ) throws -> [(any Projection, ProjectionStore, ProjectionCheckpoint)]? {
        var stores: [(any Projection, ProjectionStore, ProjectionCheckpoint)] = []
        for projection in chosen {
            guard let checkpoint = try checkpoints.checkpoint(projection.name, in: transaction), let generation = generations[projection.name],
                checkpoint.rebuildGeneration == generation, checkpoint.rebuildPosition == from
            else { return nil }
            let store = ProjectionStore(
                transaction: transaction,
                tables: try checkpoints.tables(of: projection, generation: generation, in: transaction),
                registry: registry,
                rows: rows
            )
            stores.append((projection, store, checkpoint))
        }
        return stores
    }

    /// Applies one event to each projection that handles it, decoding it once (unless `decoded`).
    func apply(_ event: RecordedEvent, decoded: Envelope? = nil, to stores: [(any Projection, ProjectionStore)]) throws {
        var envelope = decoded
        for (projection, store) in stores { try apply(event, envelope: &envelope, to: projection, store: store) }
    }

    /// Applies the events since the rebuild's position and makes the rebuilt generations live, all
    /// in one transaction on the writer: no event can slip between the two.
    private func swap(_ chosen: [any Projection], generations: [String: UInt32], from: UInt64) async throws -> BatchOutcome {
        try await log.perform { [self] transaction in
            guard let stores = try rebuildStores(chosen, generations: generations, from: from, in: transaction) else {
                return BatchOutcome.checkpointMoved
            }
            var applied = from
            var failed = false
            try transaction.forEachEvent(after: from) { event in
                guard (try? apply(event, to: stores.map { ($0.0, $0.1) })) != nil else {
                    failed = true
                    return false
                }
                applied = event.position
                return true
            }
            if failed { throw SwapCatchUpFailed() }
            for (projection, store, checkpoint) in stores {
                try store.flush()
                var swapped = checkpoint
                let old = checkpoint.generation
                swapped.generation = checkpoint.rebuildGeneration
                swapped.position = applied
                swapped.version = UInt32(projection.version)
                swapped.rebuildGeneration = 0
                swapped.rebuildPosition = 0
                try checkpoints.save(swapped, projection.name, in: transaction)
                // Emptied now, dropped at the next start: a reader may still hold the old handles.
                if old != swapped.generation {
                    for table in try checkpoints.tables(of: projection, generation: old, in: transaction).values { try transaction.clear(table) }
                }
            }
            let names = chosen.map(\.name)
            let views = chosen.flatMap(\.views)
            let swappedAt = applied
            transaction.afterCommit { [self] in progress.withLock { progress in for name in names { progress[name] = swappedAt } } }
            for view in views { invalidations?.publish(.view(view.name, position: swappedAt), after: transaction, shared: log.traits.isShared) }
            return BatchOutcome.applied
        }.value
    }
}
