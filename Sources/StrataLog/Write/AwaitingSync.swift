import StrataStore
/// A commit whose data pages are synced and whose meta page — the page that makes it the newest
/// state — is written but not yet synced: what to answer once it is.
struct PendingCommit {
    var batch: [WriterJob]
    var outcomes: [JobOutcome]
    var actions: [@Sendable () -> Void]
    var newHead: UInt64
    var nanoseconds: UInt64
}

/// The commits waiting for a sync before their callers hear of them (`MDB_NOMETASYNC`): the next
/// commit's data sync also flushes their meta pages, or an explicit sync does if the writer goes
/// idle first. So every commit costs one sync while more work is queued, and none is answered
/// before it is durable.
///
/// `@unchecked Sendable`: only the writer thread touches `pending`.
final class AwaitingSync: @unchecked Sendable {
    private var pending: [PendingCommit] = []

    var isEmpty: Bool { pending.isEmpty }

    func append(_ commit: PendingCommit) {
        pending.append(commit)
    }

    /// Every waiting commit, oldest first; none is left waiting.
    func take() -> [PendingCommit] {
        defer { pending.removeAll(keepingCapacity: true) }
        return pending
    }
}
