import Foundation
import NIOCore
import PostgresNIO
import StrataStore

/// The writer thread's side of group commit on PostgreSQL: one batch, one transaction, which
/// takes the head lock first (so decisions inside it cannot be overtaken by any server's writer),
/// runs each job in a layer of its own, sends the batch's writes in one statement and commits.
/// Only then are the callers answered: a 2xx means the commit is durable in PostgreSQL.
extension PostgresEventStore {
    /// A batch's transaction failed as a whole.
    private struct BatchFailure: Error {
        let error: any Error
    }

    /// Commits `batch` in one transaction. With `checksAbsenceAtFlush`, streams expected absent
    /// are not read (the flush's unique key checks them); a batch that fails is retried job by
    /// job without it, so only the culprit fails, with the error a read would have given.
    /// With `takesQueued`, the jobs queued while the lock was awaited join the batch.
    func commit(_ first: [WriterJob], checksAbsenceAtFlush: Bool = true, takesQueued: Bool = true) {
        let started = ContinuousClock.now
        let hook = hookBox.withLock { $0 }
        let set: WriteSet
        var batch = first
        var outcomes: [JobOutcome] = []
        do {
            let connection = try connectedWriter()
            var sending: Int64?
            do {
                let (base, commits, notes) = try lockHead(catchingUp: writerCache, connection: connection)
                if takesQueued, let writer { batch += writer.takeQueued(upTo: writer.batchLimit - batch.count) }
                // Another server committed since this process last heard: tell its caches first.
                observeForeign(through: commits, head: base, notes: notes)
                set = WriteSet(base: base)
                let failuresBefore = connection.failures
                for job in batch {
                    let outcome = run(job, set: set, connection: connection, hook: hook, checksAbsenceAtFlush: checksAbsenceAtFlush)
                    // A statement that failed aborts the whole PostgreSQL transaction.
                    if connection.failures != failuresBefore, case .failed(let error) = outcome { throw BatchFailure(error: error) }
                    outcomes.append(outcome)
                }
                let wrote = try flushAndCommit(set, commits: commits + 1, connection: connection) {
                    committingHead.store(set.head, ordering: .releasing)
                    sending = commits + 1
                    raiseAccounted(to: commits + 1)
                }
                if wrote {
                    writerCache.apply(set.final, commits: commits + 1, head: set.head)
                } else {
                    committingHead.store(set.head, ordering: .releasing)
                }
            } catch {
                writerCache.clear()
                // Whether a failed COMMIT landed is unknown: heads up to it are anyone's again.
                committingHead.store(head.load(ordering: .acquiring), ordering: .releasing)
                // Whether this count was this process's commit is unknown too: anything may have changed.
                if let sending, accountedCommits.compareExchange(expected: sending, desired: sending - 1, ordering: .acquiringAndReleasing).exchanged {
                    tellForeignObservers(ForeignCommits(head: head.load(ordering: .acquiring), notes: nil))
                }
                connection.send("ROLLBACK")
                throw error
            }
        } catch {
            let cause = (error as? BatchFailure)?.error ?? error
            let mapped = PostgresErrors.map(cause)
            if (mapped as? EventStoreError)?.code == .unavailable {
                reachable.store(false, ordering: .releasing)
                logger.error("PostgreSQL is unreachable; the batch failed", metadata: ["error": "\(mapped)", "requests": "\(batch.count)"])
                for job in batch { job.fail(mapped) }
                return
            }
            if batch.count > 1 || checksAbsenceAtFlush {
                // Give each job its own transaction, reading what it expects, so only the culprit fails.
                for job in batch { commit([job], checksAbsenceAtFlush: false, takesQueued: false) }
                return
            }
            logger.error("write transaction failed", metadata: ["error": "\(mapped)"])
            batch[0].fail(mapped)
            return
        }
        finish(batch, outcomes: outcomes, set: set, nanoseconds: UInt64((ContinuousClock.now - started) / .nanoseconds(1)))
    }

    /// The writer's connection, reconnecting when the last one broke.
    private func connectedWriter() throws -> BlockingConnection {
        if let connection = writerConnection, !connection.isBroken { return connection }
        writerConnection?.close()
        writerConnection = nil
        let loop = writerLoop ?? MultiThreadedEventLoopGroup(numberOfThreads: 1)
        writerLoop = loop
        let connection = try BlockingConnection.connect(to: url, logger: logger, on: loop.next())
        writerConnection = connection
        reachable.store(true, ordering: .releasing)
        return connection
    }

    private func run(_ job: WriterJob, set: WriteSet, connection: BlockingConnection, hook: (any AppendHook)?, checksAbsenceAtFlush: Bool) -> JobOutcome {
        let transaction = PostgresTransaction(
            store: self, connection: connection, set: set, cache: writerCache, hook: hook, checksAbsenceAtFlush: checksAbsenceAtFlush
        )
        switch job {
        case .append(let request, _, _):
            do {
                return .appended(try transaction.checkedAppend(request), eventCount: request.eventCount)
            } catch {
                return .failed(error)
            }
        case .write(let body, _):
            let before = set.head
            set.push()
            do {
                try body(transaction)
                set.pop(keep: true)
                return .wrote(eventCount: Int(set.head - before))
            } catch {
                set.pop(keep: false)
                return .failed(error)
            }
        }
    }

    /// Answers a committed batch: head, caches, after-commit actions, observers, subscribers, callers.
    private func finish(_ batch: [WriterJob], outcomes: [JobOutcome], set: WriteSet, nanoseconds: UInt64) {
        let layer = set.final
        let newHead = set.head
        tableIds.withLock { ids in
            for (name, id) in layer.created where !layer.dropped.contains(id) { ids[name] = id }
            if !layer.dropped.isEmpty { ids = ids.filter { !layer.dropped.contains($0.value) } }
        }
        let events = outcomes.reduce(0) { $0 + $1.eventCount }
        for action in layer.afterCommit { action() }
        let report = CommitReport(requests: batch.count, events: events, head: newHead, nanoseconds: nanoseconds)
        for observer in commitObservers.withLock({ $0 }) { observer(report) }
        observe(head: newHead, local: true)
        JobOutcome.answer(batch, outcomes, head: newHead) { PostgresErrors.map($0) }
    }
}
