import StrataStore

/// The rows a rebuild applied off the writer has written but the store may not have committed
/// yet: per batch, by table and key (`nil`: deleted). A batch's reads look here first, newest
/// batch first, then at a snapshot taken after every batch pruned from here had committed — so
/// the next batch is applied while the writer still writes this one. At most two batches are
/// here at a time: pruning drops a batch whole.
///
/// `@unchecked Sendable`: one rebuild's loop uses it, one batch at a time.
final class RebuildOverlay: @unchecked Sendable {
    private struct Batch {
        var number: Int
        var rows: [Table: [[UInt8]: [UInt8]?]]
    }

    /// Oldest first.
    private var batches: [Batch] = []

    /// Records that batch `number` wrote `value` (or deleted, for `nil`) under `key` of `table`.
    func write(_ value: [UInt8]?, table: Table, key: [UInt8], batch number: Int) {
        if batches.last?.number != number { batches.append(Batch(number: number, rows: [:])) }
        batches[batches.count - 1].rows[table, default: [:]][key] = .some(value)
    }

    /// The row as the uncommitted batches left it: `.some(nil)` when one deleted it, `nil` when
    /// none touched it (the snapshot has it as committed).
    func lookup(_ table: Table, key: [UInt8]) -> [UInt8]?? {
        for batch in batches.reversed() {
            if let value = batch.rows[table]?[key] { return .some(value) }
        }
        return nil
    }

    /// The entries of `table` from `start` in `direction` (at or after it forward, at or before
    /// it backward), in that order, each as the newest batch left it.
    func entries(_ table: Table, from start: [UInt8]?, direction: ScanDirection) -> [(key: [UInt8], value: [UInt8]?)] {
        var newest: [[UInt8]: [UInt8]?] = [:]
        for batch in batches {
            for (key, value) in batch.rows[table] ?? [:] { newest[key] = .some(value) }
        }
        return MergedScan.ordered(newest.map { (key: $0.key, value: $0.value) }, from: start, direction: direction)
    }

    /// Forgets what the batches up to `number` wrote, now that the store has committed them.
    func prune(committedThrough number: Int) {
        batches.removeAll { $0.number <= number }
    }

    /// Forgets everything (every batch committed, or the rebuild gave up on them).
    func removeAll() {
        batches.removeAll()
    }
}
