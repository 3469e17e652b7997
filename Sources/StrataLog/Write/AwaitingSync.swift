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
final class AwaitingSync<Commit>: @unchecked Sendable {
    private var pending: [Commit] = []

    /// What the writer does after a commit: answer `now`, and sync before answering `afterSync`
    /// (empty: no sync is needed).
    struct Settlement {
        var now: [Commit]
        var afterSync: [Commit]
    }

    var isEmpty: Bool { pending.isEmpty }

    /// Settles `commit` and those waiting before it. `madeNewState`: the commit wrote pages, so
    /// its data sync also flushed the meta pages written before it — those commits are durable.
    /// A commit that changed nothing syncs nothing (LMDB skips it), so the waiting ones keep
    /// waiting, and its own answers — which may rest on their state — wait behind them.
    /// `deferred`: more jobs are queued, so the next commit's sync will flush this one's meta page.
    func settle(_ commit: Commit, madeNewState: Bool, deferred: Bool) -> Settlement {
        let durable = madeNewState ? take() : []
        if deferred {
            pending.append(commit)
            return Settlement(now: durable, afterSync: [])
        }
        guard madeNewState || !pending.isEmpty else { return Settlement(now: durable + [commit], afterSync: []) }
        return Settlement(now: durable, afterSync: take() + [commit])
    }

    /// Every waiting commit, oldest first; none is left waiting.
    func take() -> [Commit] {
        defer { pending.removeAll(keepingCapacity: true) }
        return pending
    }
}
