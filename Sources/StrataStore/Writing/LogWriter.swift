import Foundation

/// One unit of work for the writer thread.
package enum WriterJob {
    /// An append, answered with its result.
    case append(AppendRequest, bytes: Int, reply: @Sendable (Result<AppendResult, any Error>) -> Void)
    /// A write of tables (an async projection's batch and checkpoint, a swap …), answered once committed.
    case write(body: (any StoreTransaction) throws -> Void, reply: @Sendable (Result<UInt64, any Error>) -> Void)

    package var bytes: Int {
        if case .append(_, let bytes, _) = self { return bytes }
        return 0
    }

    package func fail(_ error: any Error) {
        switch self {
        case .append(_, _, let reply): reply(.failure(error))
        case .write(_, let reply): reply(.failure(error))
        }
    }
}

/// The dedicated writer thread: callers enqueue jobs and suspend; the thread drains everything
/// queued into one batch, hands it to `commit`, and waits for more. While one batch is being
/// fsynced the next one gathers, so the number of fsyncs stays flat as concurrency grows.
///
/// Group-commit delay: right after a commit, the callers it resumed are still on their way back
/// with their next requests. When fewer jobs are queued than the last batch held, the writer waits
/// for them a little — at most half the last commit's duration, never more than a millisecond —
/// so one commit carries them all instead of splitting them over two. A single caller (batch of
/// one) never waits.
///
/// `@unchecked Sendable`: the queue and flags are only touched under `condition`'s lock.
package final class LogWriter: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [WriterJob] = []
    private var isStopping = false
    private var isRunning = false
    private let stopped = DispatchSemaphore(value: 0)
    /// `submit` wakes the writer once this many jobs are queued.
    private var wakeThreshold = 1
    private var lastBatchSize = 0
    private var lastCommitDuration: Duration = .zero
    private let maximumBatchRequests: Int
    private let maximumBatchBytes: Int
    private let commit: ([WriterJob]) -> Void
    private let idle: () -> Void
    /// Whether a commit ran since `idle` last did.
    private var committedSinceIdle = false

    package init(maximumBatchRequests: Int, maximumBatchBytes: Int, commit: @escaping ([WriterJob]) -> Void, idle: @escaping () -> Void = {}) {
        self.maximumBatchRequests = max(1, maximumBatchRequests)
        self.maximumBatchBytes = max(1, maximumBatchBytes)
        self.commit = commit
        self.idle = idle
    }

    package func start(name: String = "strata-writer") {
        condition.lock()
        isRunning = true
        condition.unlock()
        let thread = Thread { [self] in
            nameCurrentThread(name)
            run()
        }
        thread.name = name
        thread.qualityOfService = .userInitiated
        thread.start()
    }

    /// Queues `job`; fails it at once when the writer has stopped.
    package func submit(_ job: WriterJob) {
        condition.lock()
        guard isRunning, !isStopping else {
            condition.unlock()
            job.fail(EventStoreError.closed)
            return
        }
        queue.append(job)
        if queue.count >= wakeThreshold { condition.signal() }
        condition.unlock()
    }

    /// Whether jobs are waiting for the next batch (so another commit follows the current one).
    package var hasQueuedJobs: Bool {
        condition.lock()
        defer { condition.unlock() }
        return !queue.isEmpty
    }

    /// Takes the jobs queued since the current batch was formed, so that one commit carries them
    /// too (at most `requests`, within the batch's byte limit): for a store whose commit first
    /// waits for a lock another server holds, what queued meanwhile joins the batch instead of
    /// waiting for the next lock. Writer thread only, inside `commit`.
    package func takeQueued(upTo requests: Int) -> [WriterJob] {
        condition.lock()
        defer { condition.unlock() }
        var count = 0
        var bytes = 0
        while count < queue.count && count < requests && bytes < maximumBatchBytes {
            bytes += queue[count].bytes
            count += 1
        }
        let taken = Array(queue[0..<count])
        queue.removeFirst(count)
        return taken
    }

    /// The most requests one batch carries.
    package var batchLimit: Int { maximumBatchRequests }

    /// Finishes every queued job, then stops the thread and waits for it.
    package func stop() {
        condition.lock()
        let wasRunning = isRunning && !isStopping
        isStopping = true
        condition.broadcast()
        condition.unlock()
        if wasRunning { stopped.wait() }
    }

    private func run() {
        while let batch = nextBatch() {
            let started = ContinuousClock.now
            commit(batch)
            let duration = ContinuousClock.now - started
            condition.lock()
            lastBatchSize = batch.count
            lastCommitDuration = duration
            committedSinceIdle = true
            condition.unlock()
        }
        idle()
        stopped.signal()
    }

    private func nextBatch() -> [WriterJob]? {
        condition.lock()
        defer { condition.unlock() }
        wakeThreshold = 1
        while queue.isEmpty && !isStopping {
            if committedSinceIdle {
                committedSinceIdle = false
                condition.unlock()
                idle()
                condition.lock()
                continue
            }
            condition.wait()
        }
        if queue.isEmpty { return nil }
        if lastBatchSize > 1 && queue.count < lastBatchSize && !isStopping {
            let delay = min(lastCommitDuration / 2, .milliseconds(1))
            let nanoseconds = Double(delay.components.attoseconds) / 1e9 + Double(delay.components.seconds) * 1e9
            let deadline = Date(timeIntervalSinceNow: nanoseconds / 1e9)
            wakeThreshold = lastBatchSize
            while queue.count < lastBatchSize && !isStopping {
                if !condition.wait(until: deadline) { break }
            }
            wakeThreshold = 1
        }
        var count = 0
        var bytes = 0
        while count < queue.count && count < maximumBatchRequests {
            bytes += queue[count].bytes
            count += 1
            if bytes >= maximumBatchBytes { break }
        }
        let batch = Array(queue[0..<count])
        queue.removeFirst(count)
        return batch
    }
}

/// Carries a write job's value out of the writer thread. Written once by the writer before the
/// commit and read by the caller after it resumes, so the continuation orders the two accesses.
package final class ResultBox<T>: @unchecked Sendable {
    package var value: T?
    package init() {}
}
