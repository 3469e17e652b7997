import StrataStore
import Foundation
import LMDB

extension EventLog {
    /// Appends one request atomically and returns once it is durable (fsynced).
    ///
    /// Runs on the writer thread with other concurrent requests in one transaction (group commit);
    /// the calling task only suspends.
    ///
    /// - Throws: ``EventStoreError`` with ``EventStoreError/Code/conflict`` (and ``EventStoreError/conflict``
    ///   naming the stream and versions) when an expectation fails; ``EventStoreError/Code/invalidRequest``
    ///   for a malformed request; ``EventStoreError/Code/storeFull`` when the store may not grow; or the
    ///   error an append hook or the request's `inTransaction` threw. Nothing is appended on error.
    public func append(_ request: AppendRequest) async throws -> AppendResult {
        guard let writer else { throw EventStoreError.readOnly }
        let bytes = try Self.validate(request)
        return try await withCheckedThrowingContinuation { continuation in
            writer.submit(.append(request, bytes: bytes, reply: { continuation.resume(with: $0) }))
        }
    }

    /// Runs `body` on the writer thread inside the next commit and returns its value once that
    /// commit is durable. `body` may read the log and tables as they are at that moment and append
    /// (``StoreTransaction/append(_:)``): a decision taken here cannot be overtaken by another
    /// writer. If `body` throws, everything it wrote vanishes and the error is rethrown.
    public func perform<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> (value: T, committedHead: UInt64) {
        guard let writer else { throw EventStoreError.readOnly }
        let box = ResultBox<T>()
        let head: UInt64 = try await withCheckedThrowingContinuation { continuation in
            writer.submit(.write(body: { transaction in box.value = try body(transaction) }, reply: { continuation.resume(with: $0) }))
        }
        guard let value = box.value else { throw EventStoreError(.storage, "internal: write job produced no value") }
        return (value, head)
    }

    /// Checks a request before it is queued, so that nothing in the transaction can fail for a
    /// reason that belongs to the request alone. Returns its size in bytes.
    static func validate(_ request: AppendRequest) throws(EventStoreError) -> Int {
        guard !request.streams.isEmpty else { throw .invalidRequest("an append needs at least one stream") }
        var seen = Set<String>()
        var bytes = 0
        for stream in request.streams {
            try IndexKeys.validate(name: stream.streamId, as: "stream id")
            guard seen.insert(stream.streamId).inserted else {
                throw .invalidRequest("stream \(stream.streamId) appears twice in one append")
            }
            for event in stream.events {
                try IndexKeys.validate(name: event.type, as: "event type")
                guard event.data.count <= Int(UInt32.max), event.metadata.count <= Int(UInt32.max) else {
                    throw .invalidRequest("event data or metadata over 4 GiB")
                }
                bytes += event.data.count + event.metadata.count + 64
            }
        }
        return bytes
    }

    // MARK: The writer thread

    /// What one job produced inside the transaction, before the commit.
    private enum JobOutcome {
        case appended(AppendResult, eventCount: Int)
        case wrote(eventCount: Int)
        case failed(any Error)
    }

    /// Commits one batch: every job in one write transaction and one fsync. Runs on the writer thread.
    func commit(_ batch: [WriterJob]) {
        let started = ContinuousClock.now
        let hook = hookBox.withLock { $0 }
        var outcomes: [JobOutcome] = []
        var actions: [@Sendable () -> Void] = []
        var newHead: UInt64 = 0
        var applied = started
        do {
            try environment.withWriteTransaction { transaction in
                // The body may run again after the map grows: start from scratch each time.
                outcomes = []
                actions = []
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
            }
        } catch {
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
        let nanoseconds = UInt64((ContinuousClock.now - started) / .nanoseconds(1))
        let applyNanoseconds = UInt64((applied - started) / .nanoseconds(1))
        statisticsBox.withLock { $0.applyNanoseconds += applyNanoseconds }
        finish(batch, outcomes: outcomes, actions: actions, newHead: newHead, nanoseconds: nanoseconds)
    }

    private func finish(_ batch: [WriterJob], outcomes: [JobOutcome], actions: [@Sendable () -> Void], newHead: UInt64, nanoseconds: UInt64) {
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
        for (job, outcome) in zip(batch, outcomes) {
            switch (job, outcome) {
            case (.append(_, _, let reply), .appended(var result, _)):
                result.committedHead = newHead
                reply(.success(result))
            case (.write(_, let reply), .wrote):
                reply(.success(newHead))
            case (_, .failed(let error)):
                job.fail(Self.publicError(error))
            default:
                job.fail(EventStoreError(.storage, "internal: job and outcome disagree"))
            }
        }
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

    /// Checks and writes one append request inside `transaction`, with the append hook and the
    /// request's own work in a nested transaction when there are any. Throws the conflict, or the
    /// hook's error, with nothing of the request written; the caller restores `state`.
    func append(_ request: AppendRequest, in transaction: WriteTransaction, state: BatchState) throws -> (AppendResult, [@Sendable () -> Void]) {
        let reader = LogReader(transaction: transaction, tables: tables)
        var current: [IndexTail] = []
        for stream in request.streams {
            let tail = try reader.streamTail(stream.streamId) ?? IndexTail(version: 0, positions: [])
            guard stream.expectedVersion.isSatisfied(by: tail.version) else {
                throw EventStoreError.conflict(AppendConflict(streamId: stream.streamId, expected: stream.expectedVersion, actual: tail.version))
            }
            current.append(tail)
        }
        guard state.hook != nil || request.inTransaction != nil else {
            // Nothing can fail after the checks but the transaction itself: write in place.
            let (result, _) = try write(request, versions: current, in: transaction, state: state)
            return (result, [])
        }
        return try transaction.withNestedTransaction { child in
            let (result, recorded) = try write(request, versions: current, in: child, state: state)
            let context = LogTransaction(transaction: child, log: self, state: state)
            try state.hook?.didAppend(recorded, in: context)
            try request.inTransaction?(result, recorded, context)
            return (result, context.afterCommitActions)
        }
    }

    /// Writes a checked request's events and stream heads, and notes their positions by type
    /// (indexed once at the end of the batch). Returns the result and the events as recorded.
    private func write(
        _ request: AppendRequest,
        versions tails: [IndexTail],
        in transaction: WriteTransaction,
        state: BatchState
    ) throws
        -> (AppendResult, [RecordedEvent])
    {
        let recordedAt = Date()
        let micros = EventRecord.micros(recordedAt)
        let storedAt = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
        let first = state.head + 1
        var recorded: [RecordedEvent] = []
        recorded.reserveCapacity(request.eventCount)
        var streamResults: [AppendResult.StreamResult] = []
        for (stream, current) in zip(request.streams, tails) {
            var tail = current
            for event in stream.events {
                if tail.positions.count >= IndexTail.streamCapacity {
                    try flush(streamTail: &tail, of: stream.streamId, in: transaction)
                }
                tail.version += 1
                state.head += 1
                let position = state.head
                let record = EventRecord.encode(event, streamId: stream.streamId, streamVersion: tail.version, position: position, recordedAt: micros)
                try transaction.put(tables.events, key: [UInt8].bigEndian(position), value: record, flags: .append)
                tail.positions.append(position)
                state.typePositions[event.type, default: []].append(position)
                recorded.append(
                    RecordedEvent(
                        position: position,
                        streamId: stream.streamId,
                        streamVersion: tail.version,
                        id: event.id,
                        type: event.type,
                        recordedAt: storedAt,
                        metadata: event.metadata,
                        data: event.data
                    )
                )
            }
            if tail != current {
                try transaction.put(tables.heads, key: Array(stream.streamId.utf8), value: tail.encoded)
            }
            streamResults.append(
                AppendResult.StreamResult(
                    streamId: stream.streamId,
                    version: tail.version,
                    firstVersion: tail.version == current.version ? nil : current.version + 1
                )
            )
        }
        let positions: ClosedRange<UInt64>? = state.head >= first ? first...state.head : nil
        return (AppendResult(streams: streamResults, positions: positions, committedHead: state.head), recorded)
    }

    /// Writes events recorded elsewhere (an import) exactly as they were: ids, timestamps,
    /// positions and stream versions. Each must continue the log (position head + 1) and its
    /// stream (version + 1). No append hook runs: read models are rebuilt after an import.
    func importRecorded(_ events: [RecordedEvent], in transaction: WriteTransaction, state: BatchState) throws {
        let reader = LogReader(transaction: transaction, tables: tables)
        var tails: [String: IndexTail] = [:]
        for event in events {
            try IndexKeys.validate(name: event.streamId, as: "stream id")
            try IndexKeys.validate(name: event.type, as: "event type")
            guard event.position == state.head + 1 else {
                throw EventStoreError.invalidRequest("event at position \(event.position) does not continue the log at \(state.head)")
            }
            var tail = try tails[event.streamId] ?? reader.streamTail(event.streamId) ?? IndexTail(version: 0, positions: [])
            guard event.streamVersion == tail.version + 1 else {
                throw EventStoreError.invalidRequest(
                    "event at position \(event.position) has version \(event.streamVersion) of \(event.streamId), expected \(tail.version + 1)"
                )
            }
            if tail.positions.count >= IndexTail.streamCapacity { try flush(streamTail: &tail, of: event.streamId, in: transaction) }
            tail.version += 1
            state.head += 1
            let data = EventData(id: event.id, type: event.type, data: event.data, metadata: event.metadata)
            let record = EventRecord.encode(
                data,
                streamId: event.streamId,
                streamVersion: tail.version,
                position: state.head,
                recordedAt: event.recordedAtMicroseconds
            )
            try transaction.put(tables.events, key: [UInt8].bigEndian(state.head), value: record, flags: .append)
            tail.positions.append(state.head)
            state.typePositions[event.type, default: []].append(state.head)
            tails[event.streamId] = tail
        }
        for (streamId, tail) in tails {
            try transaction.put(tables.heads, key: Array(streamId.utf8), value: tail.encoded)
        }
    }

    /// Moves a full stream tail into the `streams` index: one entry keyed by its last version.
    private func flush(streamTail tail: inout IndexTail, of streamId: String, in transaction: WriteTransaction) throws {
        try transaction.put(tables.streams, key: IndexKeys.stream(streamId, version: tail.version), value: PositionRun.encode(tail.positions))
        tail.positions.removeAll(keepingCapacity: true)
    }

    /// Adds positions to a type's tail, moving full tails into the `types` index as one entry
    /// keyed by the run's last position.
    private func index(_ positions: [UInt64], ofType type: String, in transaction: WriteTransaction) throws {
        let reader = LogReader(transaction: transaction, tables: tables)
        var tail = try reader.typeTail(type) ?? IndexTail(version: 0, positions: [])
        for position in positions {
            if tail.positions.count >= IndexTail.typeCapacity, let last = tail.positions.last {
                try transaction.put(tables.types, key: IndexKeys.type(type, position: last), value: PositionRun.encode(tail.positions))
                tail.positions.removeAll(keepingCapacity: true)
            }
            tail.positions.append(position)
        }
        try transaction.put(tables.typeTails, key: Array(type.utf8), value: tail.encoded)
    }

    /// Errors handed back to callers: storage errors become ``EventStoreError``s; anything else (a
    /// conflict, a hook's own error) passes through.
    static func publicError(_ error: any Error) -> any Error {
        if let error = error as? LMDBError { return EventStoreError.storage(error) }
        return error
    }
}

/// The writer's running state within one batch: the head so far and the positions to add to the
/// type index at the end. Saved before each job and restored when the job's writes roll back.
final class BatchState {
    var head: UInt64
    var typePositions: [String: [UInt64]] = [:]
    let hook: (any AppendHook)?

    init(head: UInt64, hook: (any AppendHook)?) {
        self.head = head
        self.hook = hook
    }

    func save() -> (UInt64, [String: [UInt64]]) { (head, typePositions) }

    func restore(_ saved: (UInt64, [String: [UInt64]])) {
        (head, typePositions) = saved
    }
}

/// Carries a write job's value out of the writer thread. Written once by the writer before the
/// commit and read by the caller after it resumes, so the continuation orders the two accesses.
final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
