import Foundation
import LMDB

extension EventLog {
    /// Appends one request atomically and returns once it is durable (fsynced).
    ///
    /// Runs on the writer thread with other concurrent requests in one transaction (group commit);
    /// the calling task only suspends.
    ///
    /// - Throws: ``EventLogError`` with ``EventLogError/Code/conflict`` (and ``EventLogError/conflict``
    ///   naming the stream and versions) when an expectation fails; ``EventLogError/Code/invalidRequest``
    ///   for a malformed request; ``EventLogError/Code/storeFull`` when the store may not grow; or the
    ///   error an append hook or the request's `inTransaction` threw. Nothing is appended on error.
    public func append(_ request: AppendRequest) async throws -> AppendResult {
        guard let writer else { throw EventLogError.readOnly }
        let bytes = try Self.validate(request)
        return try await withCheckedThrowingContinuation { continuation in
            writer.submit(.append(request, bytes: bytes, reply: { continuation.resume(with: $0) }))
        }
    }

    /// Runs `body` in a write transaction on the writer thread, sharing the next commit, and
    /// returns the log's head once that commit is durable. For writes of tables that are not
    /// appends: an async projection's batch with its checkpoint, a table swap, cleanup.
    /// If `body` throws, its writes vanish and the error is rethrown; other work is not affected.
    public func write(_ body: @escaping @Sendable (LogTransaction) throws -> Void) async throws -> UInt64 {
        guard let writer else { throw EventLogError.readOnly }
        return try await withCheckedThrowingContinuation { continuation in
            writer.submit(.write(body: body, reply: { continuation.resume(with: $0) }))
        }
    }

    /// Checks a request before it is queued, so that nothing in the transaction can fail for a
    /// reason that belongs to the request alone. Returns its size in bytes.
    static func validate(_ request: AppendRequest) throws(EventLogError) -> Int {
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
        case appended(AppendResult, eventCount: Int, typePositions: [String: [UInt64]])
        case wrote
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
                var head = try LogReader(transaction: transaction, tables: tables).headPosition()
                var typePositions: [String: [UInt64]] = [:]
                for job in batch {
                    let outcome = try run(job, in: transaction, hook: hook, head: &head, actions: &actions)
                    if case .appended(_, _, let types) = outcome {
                        typePositions.merge(types) { $0 + $1 }
                    }
                    outcomes.append(outcome)
                }
                // Each type's tail is rewritten once per batch, not once per request.
                for (type, positions) in typePositions {
                    try index(positions, ofType: type, in: transaction)
                }
                newHead = head
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
            case .appended(_, let count, _): events += count
            case .failed: failed += 1
            case .wrote: break
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
            case (.append(_, _, let reply), .appended(var result, _, _)):
                result.committedHead = newHead
                reply(.success(result))
            case (.write(_, let reply), .wrote):
                reply(.success(newHead))
            case (_, .failed(let error)):
                job.fail(Self.publicError(error))
            default:
                job.fail(EventLogError(.storage, "internal: job and outcome disagree"))
            }
        }
    }

    /// Runs one job inside the batch's transaction. A failure that belongs to the job alone is
    /// returned as `.failed`; a failure of the transaction itself (map full, I/O) is thrown.
    private func run(
        _ job: WriterJob,
        in transaction: WriteTransaction,
        hook: (any AppendHook)?,
        head: inout UInt64,
        actions: inout [@Sendable () -> Void]
    ) throws -> JobOutcome {
        switch job {
        case .append(let request, _, _):
            let reader = LogReader(transaction: transaction, tables: tables)
            var current: [IndexTail] = []
            for stream in request.streams {
                let tail = try reader.streamTail(stream.streamId) ?? IndexTail(version: 0, positions: [])
                guard stream.expectedVersion.isSatisfied(by: tail.version) else {
                    return .failed(
                        EventLogError.conflict(
                            AppendConflict(streamId: stream.streamId, expected: stream.expectedVersion, actual: tail.version)
                        )
                    )
                }
                current.append(tail)
            }
            guard hook != nil || request.inTransaction != nil else {
                // Nothing can fail after the checks but the transaction itself: write in place.
                let (result, _, types) = try write(request, versions: current, in: transaction, head: &head)
                return .appended(result, eventCount: request.eventCount, typePositions: types)
            }
            var childHead = head
            do {
                let (result, types, childActions) = try transaction.withNestedTransaction { child in
                    let (result, recorded, types) = try write(request, versions: current, in: child, head: &childHead)
                    let context = LogTransaction(transaction: child, tables: tables)
                    try hook?.didAppend(recorded, in: context)
                    try request.inTransaction?(recorded, context)
                    return (result, types, context.afterCommitActions)
                }
                head = childHead
                actions += childActions
                return .appended(result, eventCount: request.eventCount, typePositions: types)
            } catch {
                if transaction.sawMapFull { throw LMDBError.mapFull }
                return .failed(error)
            }
        case .write(let body, _):
            do {
                let childActions = try transaction.withNestedTransaction { child in
                    let context = LogTransaction(transaction: child, tables: tables)
                    try body(context)
                    return context.afterCommitActions
                }
                actions += childActions
                return .wrote
            } catch {
                if transaction.sawMapFull { throw LMDBError.mapFull }
                return .failed(error)
            }
        }
    }

    /// Writes a checked request's events and stream index entries. Returns the result, the events
    /// as recorded (for hooks) and their positions by type, which the batch indexes once at its end.
    private func write(
        _ request: AppendRequest,
        versions tails: [IndexTail],
        in transaction: WriteTransaction,
        head: inout UInt64
    ) throws -> (AppendResult, [RecordedEvent], [String: [UInt64]]) {
        let recordedAt = Date()
        let micros = EventRecord.micros(recordedAt)
        let storedAt = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
        let first = head + 1
        var recorded: [RecordedEvent] = []
        recorded.reserveCapacity(request.eventCount)
        var streamResults: [AppendResult.StreamResult] = []
        var typePositions: [String: [UInt64]] = [:]
        for (stream, current) in zip(request.streams, tails) {
            var tail = current
            for event in stream.events {
                if tail.positions.count >= IndexTail.streamCapacity {
                    try flush(streamTail: &tail, of: stream.streamId, in: transaction)
                }
                tail.version += 1
                head += 1
                let record = EventRecord.encode(event, streamId: stream.streamId, streamVersion: tail.version, position: head, recordedAt: micros)
                try transaction.put(tables.events, key: [UInt8].bigEndian(head), value: record, flags: .append)
                tail.positions.append(head)
                typePositions[event.type, default: []].append(head)
                recorded.append(
                    RecordedEvent(
                        position: head,
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
        let positions: ClosedRange<UInt64>? = head >= first ? first...head : nil
        return (AppendResult(streams: streamResults, positions: positions, committedHead: head), recorded, typePositions)
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

    /// Errors handed back to callers: storage errors become ``EventLogError``s; anything else (a
    /// conflict, a hook's own error) passes through.
    static func publicError(_ error: any Error) -> any Error {
        if let error = error as? LMDBError { return EventLogError.storage(error) }
        return error
    }
}
