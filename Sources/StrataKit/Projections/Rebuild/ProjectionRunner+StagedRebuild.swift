import StrataStore

/// A rebuild's batches applied off the writer. The tables of a generation being rebuilt are
/// written by the rebuild alone, so a batch can be applied on the pool — reading through the
/// ``RebuildOverlay`` of batches not yet committed and a snapshot — while the writer writes the
/// batch before it. The writer only writes rows as bytes and moves the checkpoints; decoding the
/// next batch, applying this one and writing the last one run at the same time.
extension ProjectionRunner {
    /// The tables of each chosen projection's rebuild generation, by projection and logical name.
    typealias GenerationTables = [String: [String: Table]]

    /// Applies `events` to every chosen projection off the writer, batch `number` of the rebuild,
    /// each projection on a task of its own (their tables are disjoint; the events are decoded
    /// once, before); returns the rows they wrote, by table and sorted. Throws the first event's failure (nothing of
    /// the batch is kept then: the caller forgets the overlays).
    func applyStaged(
        _ batch: RebuildBatch,
        _ chosen: [any Projection],
        tables: GenerationTables,
        pipeline: StagedPipeline
    ) async throws -> [StagedTableWrites] {
        let number = pipeline.nextNumber
        return try await withThrowingTaskGroup(of: [StagedTableWrites].self) { group in
            for (index, projection) in chosen.enumerated() {
                let overlay = pipeline.overlay(of: projection.name)
                let bit: UInt64 = index < 64 ? 1 << UInt64(index) : 0
                let tables = tables[projection.name] ?? [:]
                group.addTask { [self] in
                    try await log.offload { [self] in
                        try log.withSnapshot { snapshot in
                            let staged = StagedBatch(snapshot: snapshot, overlay: overlay, number: number)
                            let store = ProjectionStore(staged: staged, tables: tables, registry: registry, rows: rows)
                            for index in batch.events.indices where batch.handlers[index] & bit != 0 {
                                try apply(batch.events[index], handledBy: projection, decoded: batch.envelopes[index], store: store)
                            }
                            try store.flush()
                            return StagedTableWrites.grouped(staged.writes)
                        }
                    }
                }
            }
            var writes: [StagedTableWrites] = []
            for try await projectionWrites in group { writes += projectionWrites }
            return writes
        }
    }

    /// Writes a staged batch's rows and moves each chosen projection's rebuild checkpoint from
    /// `from` to `last`, in one transaction on the writer; `.checkpointMoved` (nothing written)
    /// when a rebuild is no longer where the batch expects it.
    func writeStaged(
        _ writes: [StagedTableWrites],
        _ chosen: [any Projection],
        generations: [String: UInt32],
        from: UInt64,
        through last: UInt64
    ) async throws -> BatchOutcome {
        try await log.perform { [checkpoints] transaction in
            var moved: [(String, ProjectionCheckpoint)] = []
            for projection in chosen {
                guard var checkpoint = try checkpoints.checkpoint(projection.name, in: transaction),
                    let generation = generations[projection.name],
                    checkpoint.rebuildGeneration == generation, checkpoint.rebuildPosition == from
                else { return BatchOutcome.checkpointMoved }
                checkpoint.rebuildPosition = last
                moved.append((projection.name, checkpoint))
            }
            for table in writes {
                for key in table.deletions { try transaction.delete(table.table, key: key) }
                try transaction.putSorted(table.table, table.rows)
            }
            for (name, checkpoint) in moved { try checkpoints.save(checkpoint, name, in: transaction) }
            return BatchOutcome.applied
        }.value
    }
}

/// One rebuild's staged batches on their way to the writer: at most one is being written while
/// the next is applied; its rows stay in the ``overlay`` until it has committed.
final class StagedPipeline {
    /// The rows of the batches not yet committed, per projection (their tables are disjoint).
    private var overlays: [String: RebuildOverlay] = [:]
    private var writing: Task<BatchOutcome, any Error>?
    /// The number of the next batch to apply.
    private(set) var nextNumber = 1

    /// The overlay of projection `name`'s tables.
    func overlay(of name: String) -> RebuildOverlay {
        if let overlay = overlays[name] { return overlay }
        let overlay = RebuildOverlay()
        overlays[name] = overlay
        return overlay
    }

    /// Waits until the batch at the writer is written, then forgets its rows; `false` when it
    /// found its checkpoint moved (the rebuild was superseded) and wrote nothing.
    func settle() async throws -> Bool {
        guard let writing else { return true }
        self.writing = nil
        let outcome = try await writing.value
        // The batch at the writer is the last one handed over.
        for overlay in overlays.values { overlay.prune(committedThrough: nextNumber - 1) }
        return outcome == .applied
    }

    /// Hands the batch just applied to the writer; call ``settle()`` first.
    func hand(_ write: @escaping @Sendable () async throws -> BatchOutcome) {
        writing = Task(operation: write)
        nextNumber += 1
    }

    /// Forgets every overlay's rows: everything applied has landed (or was given up).
    func forgetOverlays() {
        for overlay in overlays.values { overlay.removeAll() }
    }
}
