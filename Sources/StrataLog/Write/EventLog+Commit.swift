import Foundation
import LMDB
import StrataStore

/// The writer thread's side of group commit: one batch, one transaction. A commit syncs its data
/// pages, then writes the meta page that makes it the newest state, unsynced (`MDB_NOMETASYNC`).
/// Whether to sync that page now is decided only then, once the data sync is over: when more jobs
/// have queued meanwhile, the commit's callers wait and the next commit's data sync flushes its
/// meta page too, so back-to-back commits cost one sync each; with nothing queued, it syncs its
/// meta page itself. A commit that changed nothing syncs nothing, so it answers no one waiting.
/// Either way no caller hears of a commit before it is durable.
extension EventLog {
    /// Commits one batch: every job in one write transaction. Runs on the writer thread. The
    /// commits waiting before it are durable once it is, and are answered now.
    func commit(_ batch: [WriterJob]) {
        let started = ContinuousClock.now
        let hook = hookBox.withLock { $0 }
        var outcomes: [JobOutcome] = []
        var actions: [@Sendable () -> Void] = []
        var newHead: UInt64 = 0
        var applied = started
        var deferred = false
        var transactionID = 0
        do {
            try environment.withWriteTransaction { transaction in
                // The body may run again after the map grows: start from scratch each time.
                outcomes = []
                actions = []
                transactionID = transaction.id
                let state = BatchState(head: try LogReader(transaction: transaction, tables: tables).headPosition(), hook: hook)
                for job in batch {
                    outcomes.append(try run(job, in: transaction, state: state, actions: &actions))
                }
                // Each type's tail is rewritten once per batch, not once per request.
                for (type, positions) in state.typePositions {
                    try index(positions, ofType: type, in: transaction)
                }
                newHead = state.head
                applied = ContinuousClock.now
                // The meta page is synced (or left for the next commit) below, after the data sync.
                try environment.deferMetaSync(true)
            }
            // Decided once the data sync is over, when the callers of the batches behind have had
            // the longest to queue: whether another commit follows to flush this one's meta page.
            deferred = writer?.hasQueuedJobs ?? false
            try environment.deferMetaSync(false)
        } catch {
            // Whatever failed, the write transactions that follow sync their meta pages by default.
            do {
                try environment.deferMetaSync(false)
            } catch {
                logger.error("could not reset MDB_NOMETASYNC", metadata: ["error": "\(error)"])
            }
            if batch.count > 1 {
                // The batch failed as a whole (store full, disk error): give each job its own
                // transaction so that the ones that fit still land.
                for job in batch { commit([job]) }
                return
            }
            logger.error("write transaction failed", metadata: ["error": "\(error)"])
            statisticsBox.withLock { $0.failedRequests += 1 }
            batch[0].fail(Self.publicError(error))
            return
        }
        let applyNanoseconds = UInt64((applied - started) / .nanoseconds(1))
        statisticsBox.withLock { $0.applyNanoseconds += applyNanoseconds }
        let nanoseconds = UInt64((ContinuousClock.now - started) / .nanoseconds(1))
        let commit = PendingCommit(batch: batch, outcomes: outcomes, actions: actions, newHead: newHead, nanoseconds: nanoseconds)
        let settlement = awaitingSync.settle(commit, madeNewState: environment.madeNewState(transaction: transactionID), deferred: deferred)
        if deferred { statisticsBox.withLock { $0.deferredMetaSyncs += 1 } }
        for durable in settlement.now { finish(durable) }
        guard !settlement.afterSync.isEmpty, sync(failing: settlement.afterSync.flatMap(\.batch)) else { return }
        for synced in settlement.afterSync { finish(synced) }
    }

    /// The writer ran out of work while a commit still waits for its meta page's sync (the jobs
    /// queued behind it failed alone): one sync makes it durable; then its callers hear of it. If
    /// the sync fails, they are told it failed.
    func acknowledgeAfterSync() {
        guard !awaitingSync.isEmpty else { return }
        let waiting = awaitingSync.take()
        guard sync(failing: waiting.flatMap(\.batch)) else { return }
        statisticsBox.withLock { $0.idleSyncs += 1 }
        for synced in waiting { finish(synced) }
    }

    /// Syncs the environment, which makes every commit written so far durable. If that fails, the
    /// callers of `jobs` — the commits that were waiting for it — are told so, and it is `false`.
    private func sync(failing jobs: [WriterJob]) -> Bool {
        do {
            try environment.sync()
            return true
        } catch {
            logger.error("sync failed; the waiting commits are answered with the error", metadata: ["error": "\(error)"])
            for job in jobs { job.fail(EventStoreError.storage(error)) }
            return false
        }
    }

    private func finish(_ commit: PendingCommit) {
        let (batch, outcomes, actions, newHead, nanoseconds) = (commit.batch, commit.outcomes, commit.actions, commit.newHead, commit.nanoseconds)
        var events = 0
        var failed = 0
        for outcome in outcomes {
            switch outcome {
            case .appended(_, let count), .wrote(let count): events += count
            case .failed: failed += 1
            }
        }
        let previousHead = head.exchange(newHead, ordering: .releasing)
        statisticsBox.withLock { statistics in
            statistics.commits += 1
            statistics.committedRequests += batch.count - failed
            statistics.failedRequests += failed
            statistics.events += events
            statistics.commitNanoseconds += nanoseconds
        }
        for action in actions { action() }
        let report = CommitReport(requests: batch.count, events: events, head: newHead, nanoseconds: nanoseconds)
        for observer in commitObservers.withLock({ $0 }) { observer(report) }
        if newHead != previousHead { notifier.publish(newHead) }
        JobOutcome.answer(batch, outcomes, head: newHead, publicError: Self.publicError)
    }

    /// Runs one job inside the batch's transaction. A failure that belongs to the job alone is
    /// returned as `.failed` (its writes rolled back); a failure of the transaction itself (map
    /// full, I/O) is thrown.
    private func run(
        _ job: WriterJob,
        in transaction: WriteTransaction,
        state: BatchState,
        actions: inout [@Sendable () -> Void]
    ) throws -> JobOutcome {
        let saved = state.save()
        do {
            switch job {
            case .append(let request, _, _):
                let (result, requestActions) = try append(request, in: transaction, state: state)
                actions += requestActions
                return .appended(result, eventCount: request.eventCount)
            case .write(let body, _):
                let before = state.head
                let jobActions = try transaction.withNestedTransaction { child in
                    let context = LogTransaction(transaction: child, log: self, state: state)
                    try body(context)
                    return context.afterCommitActions
                }
                actions += jobActions
                return .wrote(eventCount: Int(state.head - before))
            }
        } catch {
            state.restore(saved)
            if transaction.sawMapFull { throw LMDBError.mapFull }
            // A storage error may have left part of a request written in place: fail the batch,
            // which then runs one job per transaction so only the culprit fails.
            if error is LMDBError { throw error }
            return .failed(error)
        }
    }
}
