import LMDB
import StrataStore

/// The log's write transaction as an append hook or a write job sees it: it reads the log
/// (including this transaction's own writes) and reads and writes tables. Everything it writes
/// commits together with the events, durably, or not at all. Valid only inside the hook or job.
final class LogTransaction: StoreTransaction {
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
    /// - Throws: ``EventStoreError`` (``EventStoreError/Code/conflict`` or
    ///   ``EventStoreError/Code/invalidRequest``) or the hook's error, with nothing of this request
    ///   written.
    @discardableResult
    func append(_ request: AppendRequest) throws -> AppendResult {
        _ = try request.validated()
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

    /// Writes events recorded elsewhere exactly as they were (ids, timestamps, positions, stream
    /// versions), for importing an export. They must continue the log and their streams; no append
    /// hook runs.
    ///
    /// - Throws: ``EventStoreError/Code/invalidRequest`` naming the first event that does not fit,
    ///   with nothing of this call written.
    func importRecorded(_ events: [RecordedEvent]) throws {
        let saved = state.save()
        do {
            try transaction.withNestedTransaction { child in try log.importRecorded(events, in: child, state: state) }
        } catch {
            state.restore(saved)
            throw EventLog.publicError(error)
        }
    }


    /// Opens the named table, creating it if needed.
    ///
    /// - Throws: ``EventStoreError/Code/invalidRequest`` for the log's own tables (events and indexes).
    func table(named name: String) throws -> Table {
        guard !LogTables.reserved.contains(name) else {
            throw EventStoreError.invalidRequest("table \(name) belongs to the log and cannot be written")
        }
        return Table(try transaction.openDatabase(named: name))
    }

    /// Stores `value` under `key`, replacing any value there.
    func put(_ table: Table, key: [UInt8], value: [UInt8]) throws {
        try checkWritable(table)
        try transaction.put(table.database, key: key, value: value)
    }

    /// Stores sorted `rows`: those past the table's last key are appended (`MDB_APPEND`: no
    /// search from the root, and pages filled rather than split in half), the others put.
    func putSorted(_ table: Table, _ rows: [(key: [UInt8], value: [UInt8])]) throws {
        try checkWritable(table)
        var last: [UInt8]?
        try transaction.scan(table.database, from: nil, direction: .backward) { key, _ in
            last = Array(key)
            return false
        }
        for row in rows {
            if let boundary = last, !boundary.lexicographicallyPrecedes(row.key) {
                try transaction.put(table.database, key: row.key, value: row.value)
            } else {
                try transaction.put(table.database, key: row.key, value: row.value, flags: .append)
                last = nil
            }
        }
    }

    /// Removes `key`; returns whether it was there.
    @discardableResult
    func delete(_ table: Table, key: [UInt8]) throws -> Bool {
        try checkWritable(table)
        return try transaction.delete(table.database, key: key)
    }

    /// Removes every entry of `table`.
    func clear(_ table: Table) throws {
        try checkWritable(table)
        try transaction.clear(table.database)
    }

    /// Deletes `table` itself.
    func drop(_ table: Table) throws {
        try checkWritable(table)
        try transaction.drop(table.database)
    }

    /// Runs `action` once this transaction has committed durably (never if it fails): the place
    /// to drop cached views or wake waiters.
    func afterCommit(_ action: @escaping @Sendable () -> Void) {
        afterCommitActions.append(action)
    }

    private func checkWritable(_ table: Table) throws {
        guard !table.isReserved else {
            throw EventStoreError.invalidRequest("table \(table.name) belongs to the log and cannot be written")
        }
    }
}

extension LogTransaction: LogReading {}
