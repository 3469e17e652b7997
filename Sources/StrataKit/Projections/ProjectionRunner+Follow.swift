import Foundation
import StrataStore

/// Which tables of a projection a batch goes to.
enum ProjectionTarget: Sendable {
    case live(generation: UInt32)
    case rebuild(generation: UInt32)
}

/// What became of a batch written together with its checkpoint.
enum BatchOutcome: Sendable, Hashable {
    case applied
    /// The checkpoint was not where the batch expected it (another rebuild or a swap moved it):
    /// nothing was written, and this batch's work is no longer wanted.
    case checkpointMoved
}

extension ProjectionRunner {
    /// Follows the log from `projection`'s checkpoint until cancelled, a batch per transaction.
    func follow(_ projection: any Projection) async {
        var heads = log.headPositions().makeAsyncIterator()
        /// Until when this process's lease (shared stores) is known to last.
        var leasedUntil = Date.distantPast
        while !Task.isCancelled {
            do {
                if let leases, leasedUntil.timeIntervalSinceNow < leases.duration / 2 {
                    guard try await holdLease(projection.name) else {
                        // Another process applies it: ask again a little before its lease could end.
                        try? await Task.sleep(for: .milliseconds(Int(leases.duration * 200)))
                        continue
                    }
                    leasedUntil = Date().addingTimeInterval(leases.duration)
                }
                // Reads through the store's offload: on a database server they wait off the cooperative pool.
                let (name, size) = (projection.name, batchSize)
                let read: (ProjectionCheckpoint, [RecordedEvent])? = try await log.read { [checkpoints] snapshot in
                    guard let checkpoint = try checkpoints.checkpoint(name, in: snapshot) else { return nil }
                    return (checkpoint, try snapshot.readAll(after: checkpoint.position, limit: size))
                }
                guard let (checkpoint, events) = read else { return }
                progress.withLock { $0[projection.name] = checkpoint.position }
                if events.isEmpty {
                    if let leases {
                        // Shared: wake often enough to renew the lease (others' commits arrive as heads too).
                        try? await Task.sleep(for: .milliseconds(Int(min(leases.duration * 100, 200))))
                        continue
                    }
                    var head = checkpoint.position
                    while head <= checkpoint.position {
                        guard let next = await heads.next() else { return }
                        head = next
                    }
                    continue
                }
                _ = try await apply(events, of: projection, target: .live(generation: checkpoint.generation), from: checkpoint.position)
                // Caught up: let the next batch gather a while rather than commit a few events at a time.
                if events.count < size && followInterval > .zero { try? await Task.sleep(for: followInterval) }
            } catch {
                if Task.isCancelled { return }
                logger.error("projection failed; retrying", metadata: ["projection": "\(projection.name)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }

    /// Applies `events` (which follow `from`) to `target` in one transaction with the checkpoint;
    /// if that fails, one event at a time, parking those that keep failing.
    func apply(_ events: [RecordedEvent], of projection: any Projection, target: ProjectionTarget, from: UInt64) async throws -> BatchOutcome {
        guard let last = events.last?.position else { return .applied }
        do {
            return try await applyInTransaction(events, of: projection, target: target, from: from, through: last)
        } catch {
            var position = from
            for event in events {
                if try await applyOne(event, of: projection, target: target, from: position) == .checkpointMoved { return .checkpointMoved }
                position = event.position
            }
            return .applied
        }
    }

    /// Writes one batch and its checkpoint in one transaction, unless the checkpoint moved.
    private func applyInTransaction(
        _ events: [RecordedEvent],
        of projection: any Projection,
        target: ProjectionTarget,
        from: UInt64,
        through last: UInt64
    ) async throws -> BatchOutcome {
        let prepared = events.map { prepare($0, for: projection) }
        return try await log.perform { [self] transaction in
            // Fencing: only the lease's holder writes (and the write renews it).
            if case .live = target, let leases, try !leases.hold(projection.name, in: transaction) { return BatchOutcome.checkpointMoved }
            guard var checkpoint = try checkpoints.checkpoint(projection.name, in: transaction),
                let generation = checkpoint.advance(target, from: from, to: last)
            else { return BatchOutcome.checkpointMoved }
            let store = ProjectionStore(
                transaction: transaction,
                tables: try checkpoints.tables(of: projection, generation: generation, in: transaction),
                registry: registry,
                rows: rows
            )
            for (event, ready) in zip(events, prepared) { try apply(ready, of: event, to: projection, store: store) }
            try store.flush()
            try checkpoints.save(checkpoint, projection.name, in: transaction)
            let changed = store.changedKeys
            if case .live = target {
                transaction.afterCommit { [self] in progress.withLock { $0[projection.name] = last } }
                if let invalidations, !changed.isEmpty {
                    invalidations.publish(.keys(changed, position: last), after: transaction, shared: log.traits.isShared)
                }
            }
            return BatchOutcome.applied
        }.value
    }

    /// One event, retried; after `attemptsBeforeParking` failures it is parked and skipped.
    private func applyOne(_ event: RecordedEvent, of projection: any Projection, target: ProjectionTarget, from: UInt64) async throws
        -> BatchOutcome
    {
        var lastError: (any Error)?
        for attempt in 1...attemptsBeforeParking {
            do {
                return try await applyInTransaction([event], of: projection, target: target, from: from, through: event.position)
            } catch {
                lastError = error
                if attempt < attemptsBeforeParking { try await Task.sleep(for: .milliseconds(20 * attempt)) }
            }
        }
        let parkedEvent = ParkedEvent(
            projection: projection.name,
            position: event.position,
            streamId: event.streamId,
            type: event.type,
            error: "\(lastError.map { "\($0)" } ?? "unknown")",
            attempts: attemptsBeforeParking,
            parkedAt: Date()
        )
        logger.warning(
            "parked an event the projection keeps failing on",
            metadata: ["projection": "\(projection.name)", "position": "\(event.position)", "error": "\(parkedEvent.error)"]
        )
        return try await log.perform { [checkpoints, parked] transaction in
            guard var checkpoint = try checkpoints.checkpoint(projection.name, in: transaction),
                checkpoint.advance(target, from: from, to: event.position) != nil
            else { return BatchOutcome.checkpointMoved }
            try checkpoints.save(checkpoint, projection.name, in: transaction)
            try parked.park(parkedEvent, in: transaction)
            return BatchOutcome.applied
        }.value
    }
}

extension ProjectionCheckpoint {
    /// Moves the position of `target`'s generation from `from` to `last` and returns that
    /// generation; `nil` (and no change) when the checkpoint is not at `from` in that generation.
    mutating func advance(_ target: ProjectionTarget, from: UInt64, to last: UInt64) -> UInt32? {
        switch target {
        case .live(let live):
            guard generation == live, position == from else { return nil }
            position = last
            return live
        case .rebuild(let rebuilt):
            guard rebuildGeneration == rebuilt, rebuildPosition == from else { return nil }
            rebuildPosition = last
            return rebuilt
        }
    }
}
