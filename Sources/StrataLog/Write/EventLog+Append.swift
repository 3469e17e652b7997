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
        return try await writer.append(request)
    }

    /// Runs `body` on the writer thread inside the next commit and returns its value once that
    /// commit is durable. `body` may read the log and tables as they are at that moment and append
    /// (``StoreTransaction/append(_:)``): a decision taken here cannot be overtaken by another
    /// writer. If `body` throws, everything it wrote vanishes and the error is rethrown.
    public func perform<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> (value: T, committedHead: UInt64) {
        guard let writer else { throw EventStoreError.readOnly }
        return try await writer.perform(body)
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
        let hook = request.runsAppendHook ? state.hook : nil
        guard hook != nil || request.inTransaction != nil else {
            // Nothing can fail after the checks but the transaction itself: write in place.
            let (result, _) = try write(request, versions: current, in: transaction, state: state)
            return (result, [])
        }
        return try transaction.withNestedTransaction { child in
            let (result, recorded) = try write(request, versions: current, in: child, state: state)
            let context = LogTransaction(transaction: child, log: self, state: state)
            try hook?.didAppend(recorded, in: context)
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

    /// Errors handed back to callers: storage errors become ``EventStoreError``s; anything else (a
    /// conflict, a hook's own error) passes through.
    static func publicError(_ error: any Error) -> any Error {
        if let error = error as? LMDBError { return EventStoreError.storage(error) }
        return error
    }
}
