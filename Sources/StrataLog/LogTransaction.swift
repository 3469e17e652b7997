import LMDB

/// The log's write transaction as an append hook or a write job sees it: it reads the log
/// (including this transaction's own writes) and reads and writes tables. Everything it writes
/// commits together with the events, durably, or not at all. Valid only inside the hook or job.
public final class LogTransaction: TableReading, StreamReading {
    let transaction: WriteTransaction
    let reader: LogReader
    private unowned let log: EventLog
    private let state: BatchState
    var afterCommitActions: [@Sendable () -> Void] = []

    init(transaction: WriteTransaction, log: EventLog, state: BatchState) {
        self.transaction = transaction
        self.reader = LogReader(transaction: transaction, tables: log.tables)
        self.log = log
        self.state = state
    }

    /// Appends inside this transaction: expectations are checked against the log as it is now,
    /// the append hook runs, and the events commit (durably) with everything else written here.
    ///
    /// - Throws: ``EventLogError`` (``EventLogError/Code/conflict`` or
    ///   ``EventLogError/Code/invalidRequest``) or the hook's error, with nothing of this request
    ///   written.
    @discardableResult
    public func append(_ request: AppendRequest) throws -> AppendResult {
        _ = try EventLog.validate(request)
        let saved = state.save()
        do {
            let (result, actions) = try log.append(request, in: transaction, state: state)
            afterCommitActions += actions
            return result
        } catch {
            state.restore(saved)
            throw EventLog.publicError(error)
        }
    }

    /// The last position written so far, this transaction's events included.
    public func headPosition() throws -> UInt64 { try reader.headPosition() }

    /// A stream's version, this transaction's events included.
    public func streamVersion(_ streamId: String) throws -> UInt64 { try reader.streamVersion(streamId) }

    /// Writes events recorded elsewhere exactly as they were (ids, timestamps, positions, stream
    /// versions), for importing an export. They must continue the log and their streams; no append
    /// hook runs.
    ///
    /// - Throws: ``EventLogError/Code/invalidRequest`` naming the first event that does not fit,
    ///   with nothing of this call written.
    public func importRecorded(_ events: [RecordedEvent]) throws {
        let saved = state.save()
        do {
            try transaction.withNestedTransaction { child in try log.importRecorded(events, in: child, state: state) }
        } catch {
            state.restore(saved)
            throw EventLog.publicError(error)
        }
    }

    /// Reads one stream forward from `version`, this transaction's events included.
    public func readStream(_ streamId: String, from version: UInt64, limit: Int) throws -> [RecordedEvent] {
        try reader.stream(streamId, from: version, direction: .forward, limit: limit)
    }

    /// Calls `body` with each event after `position` in log order until it returns `false`.
    public func forEachEvent(after position: UInt64, _ body: (RecordedEvent) throws -> Bool) throws {
        try reader.forEachEvent(after: position, body)
    }

    /// Opens the named table, creating it if needed.
    ///
    /// - Throws: ``EventLogError/Code/invalidRequest`` for the log's own tables (events and indexes).
    public func table(named name: String) throws -> Table {
        guard !Table.reservedNames.contains(name) else {
            throw EventLogError.invalidRequest("table \(name) belongs to the log and cannot be written")
        }
        return Table(try transaction.openDatabase(named: name))
    }

    /// Stores `value` under `key`, replacing any value there.
    public func put(_ table: Table, key: [UInt8], value: [UInt8]) throws {
        try checkWritable(table)
        try transaction.put(table.database, key: key, value: value)
    }

    /// Removes `key`; returns whether it was there.
    @discardableResult
    public func delete(_ table: Table, key: [UInt8]) throws -> Bool {
        try checkWritable(table)
        return try transaction.delete(table.database, key: key)
    }

    /// Removes every entry of `table`.
    public func clear(_ table: Table) throws {
        try checkWritable(table)
        try transaction.clear(table.database)
    }

    /// Deletes `table` itself.
    public func drop(_ table: Table) throws {
        try checkWritable(table)
        try transaction.drop(table.database)
    }

    /// Runs `action` once this transaction has committed durably (never if it fails): the place
    /// to drop cached views or wake waiters.
    public func afterCommit(_ action: @escaping @Sendable () -> Void) {
        afterCommitActions.append(action)
    }

    public func get(_ table: Table, key: [UInt8]) throws -> [UInt8]? {
        try transaction.get(table.database, key: key)
    }

    public func scan(
        _ table: Table,
        from start: [UInt8]?,
        direction: ScanDirection,
        _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        try transaction.scan(table.database, from: start, direction: direction, body)
    }

    public func count(_ table: Table) throws -> Int {
        try transaction.statistics(table.database).entries
    }

    private func checkWritable(_ table: Table) throws {
        guard !Table.reservedNames.contains(table.name) else {
            throw EventLogError.invalidRequest("table \(table.name) belongs to the log and cannot be written")
        }
    }
}
