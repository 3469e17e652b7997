import Foundation

/// One unit of work for the writer thread.
enum WriterJob {
    /// An append, answered with its result.
    case append(AppendRequest, bytes: Int, reply: @Sendable (Result<AppendResult, any Error>) -> Void)
    /// A write of tables (an async projection's batch and checkpoint, a swap …), answered once committed.
    case write(body: (LogTransaction) throws -> Void, reply: @Sendable (Result<UInt64, any Error>) -> Void)

    var bytes: Int {
        if case .append(_, let bytes, _) = self { return bytes }
        return 0
    }

    func fail(_ error: any Error) {
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
/// `@unchecked Sendable`: the queue and flags are only touched under `condition`'s lock.
final class LogWriter: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [WriterJob] = []
    private var isStopping = false
    private var isRunning = false
    private let stopped = DispatchSemaphore(value: 0)
    private let maximumBatchRequests: Int
    private let maximumBatchBytes: Int
    private let commit: ([WriterJob]) -> Void

    init(maximumBatchRequests: Int, maximumBatchBytes: Int, commit: @escaping ([WriterJob]) -> Void) {
        self.maximumBatchRequests = max(1, maximumBatchRequests)
        self.maximumBatchBytes = max(1, maximumBatchBytes)
        self.commit = commit
    }

    func start() {
        condition.lock()
        isRunning = true
        condition.unlock()
        let thread = Thread { [self] in run() }
        thread.name = "strata-log-writer"
        thread.qualityOfService = .userInitiated
        thread.start()
    }

    /// Queues `job`; fails it at once when the writer has stopped.
    func submit(_ job: WriterJob) {
        condition.lock()
        guard isRunning, !isStopping else {
            condition.unlock()
            job.fail(EventLogError.closed)
            return
        }
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Finishes every queued job, then stops the thread and waits for it.
    func stop() {
        condition.lock()
        let wasRunning = isRunning && !isStopping
        isStopping = true
        condition.broadcast()
        condition.unlock()
        if wasRunning { stopped.wait() }
    }

    private func run() {
        while let batch = nextBatch() {
            commit(batch)
        }
        stopped.signal()
    }

    private func nextBatch() -> [WriterJob]? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !isStopping { condition.wait() }
        if queue.isEmpty { return nil }
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
