/// What one writer job produced inside its batch's transaction, before the commit.
package enum JobOutcome {
    case appended(AppendResult, eventCount: Int)
    case wrote(eventCount: Int)
    case failed(any Error)

    /// Events the job appended (none when it failed).
    package var eventCount: Int {
        switch self {
        case .appended(_, let count), .wrote(let count): count
        case .failed: 0
        }
    }

    /// Answers each job of a durable commit that left the log at `head`; a failed job gets its
    /// error as `publicError` makes it.
    package static func answer(_ batch: [WriterJob], _ outcomes: [JobOutcome], head: UInt64, publicError: (any Error) -> any Error) {
        for (job, outcome) in zip(batch, outcomes) {
            switch (job, outcome) {
            case (.append(_, _, let reply), .appended(var result, _)):
                result.committedHead = head
                reply(.success(result))
            case (.write(_, let reply), .wrote):
                reply(.success(head))
            case (_, .failed(let error)):
                job.fail(publicError(error))
            default:
                job.fail(EventStoreError(.storage, "internal: job and outcome disagree"))
            }
        }
    }
}

extension LogWriter {
    /// Queues an append (checked first) and returns once its commit is durable.
    package func append(_ request: AppendRequest) async throws -> AppendResult {
        let bytes = try request.validated()
        return try await withCheckedThrowingContinuation { continuation in
            submit(.append(request, bytes: bytes, reply: { continuation.resume(with: $0) }))
        }
    }

    /// Queues a write job and returns its value and the head once its commit is durable.
    package func perform<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> (value: T, committedHead: UInt64) {
        let box = ResultBox<T>()
        let head: UInt64 = try await withCheckedThrowingContinuation { continuation in
            submit(.write(body: { transaction in box.value = try body(transaction) }, reply: { continuation.resume(with: $0) }))
        }
        guard let value = box.value else { throw EventStoreError(.storage, "internal: write job produced no value") }
        return (value, head)
    }
}
