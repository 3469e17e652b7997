internal import CLMDB
import Foundation

/// Which way a scan or cursor walks the keys.
public enum ScanDirection: Sendable, Hashable {
    /// Ascending key order.
    case forward
    /// Descending key order.
    case backward
}

/// A read transaction: a consistent snapshot of the environment. It lives only inside the closure
/// given to ``Environment/withReadTransaction(_:)``; any use after that throws
/// ``LMDBError/transactionClosed``. Values handed to closures as raw buffers point into the map and
/// are valid only inside that closure; the other accessors return copies.
public class Transaction {
    let pointer: OpaquePointer
    unowned let environment: Environment
    private(set) var isOpen = true

    init(environment: Environment, parent: Transaction?, flags: UInt32) throws(LMDBError) {
        var raw: OpaquePointer?
        try check(mdb_txn_begin(environment.pointer, parent?.pointer, flags, &raw))
        guard let raw else { throw LMDBError.badTransaction }
        self.pointer = raw
        self.environment = environment
    }

    func ensureOpen() throws(LMDBError) {
        guard isOpen else { throw LMDBError.transactionClosed }
    }

    /// Ends the transaction, discarding any writes. Safe to call twice.
    func abort() {
        guard isOpen else { return }
        isOpen = false
        mdb_txn_abort(pointer)
    }

    /// Ends a read transaction. It commits rather than aborts: aborting would close any database
    /// handle opened in it, and a read-only commit writes nothing.
    func endRead() {
        guard isOpen else { return }
        isOpen = false
        _ = mdb_txn_commit(pointer)
    }

    /// Commits; the handle is gone afterwards whether or not the commit succeeded.
    func commitRaw() throws(LMDBError) {
        try ensureOpen()
        isOpen = false
        try check(mdb_txn_commit(pointer))
    }

    /// The id of this transaction's snapshot (grows with every committed write transaction).
    public var id: Int { mdb_txn_id(pointer) }

    /// A handle for a named database that this process has opened before through
    /// ``Environment/openDatabase(named:flags:)`` or a write transaction; `nil` otherwise.
    public func database(named name: String) -> Database? {
        environment.cachedDatabase(named: name)
    }

    // MARK: Reading

    /// Whether `database` exists in this transaction's view: a database created after a read
    /// transaction began is not part of its snapshot (LMDB answers `EINVAL` for its handle).
    public func sees(_ database: Database) -> Bool {
        var flags: UInt32 = 0
        return mdb_dbi_flags(pointer, database.handle, &flags) == MDB_SUCCESS
    }

    /// A copy of the value stored under `key`, or `nil`.
    public func get(_ database: Database, key: some ContiguousBytes) throws(LMDBError) -> [UInt8]? {
        try ensureOpen()
        var value = MDB_val()
        let code = key.withUnsafeBytes { keyBytes in
            var keyValue = MDB_val(bytes: keyBytes)
            return mdb_get(pointer, database.handle, &keyValue, &value)
        }
        if code == MDB_NOTFOUND { return nil }
        try check(code)
        return value.copiedBytes
    }

    /// Calls `body` with the stored bytes under `key` (or `nil`) without copying them. The buffer
    /// points into the map and is valid only inside `body`.
    public func withValue<T>(_ database: Database, key: some ContiguousBytes, _ body: (UnsafeRawBufferPointer?) throws -> T) throws -> T {
        try ensureOpen()
        var value = MDB_val()
        let code = key.withUnsafeBytes { keyBytes in
            var keyValue = MDB_val(bytes: keyBytes)
            return mdb_get(pointer, database.handle, &keyValue, &value)
        }
        if code == MDB_NOTFOUND { return try body(nil) }
        try check(code)
        return try body(value.buffer)
    }

    /// Whether `key` is present.
    public func contains(_ database: Database, key: some ContiguousBytes) throws(LMDBError) -> Bool {
        try ensureOpen()
        var value = MDB_val()
        let code = key.withUnsafeBytes { keyBytes in
            var keyValue = MDB_val(bytes: keyBytes)
            return mdb_get(pointer, database.handle, &keyValue, &value)
        }
        if code == MDB_NOTFOUND { return false }
        try check(code)
        return true
    }

    /// Opens a cursor on `database`; it is closed when the transaction ends (read) or by
    /// ``Cursor/close()``.
    public func cursor(_ database: Database) throws(LMDBError) -> Cursor {
        try ensureOpen()
        return try Cursor(transaction: self, database: database)
    }

    /// Walks `database` from `start` in `direction`, calling `body` with each key and value until it
    /// returns `false`. Forward starts at the first key `>= start`; backward at the last key
    /// `<= start`; a `nil` start means the first (forward) or last (backward) key. The buffers are
    /// valid only inside `body`.
    public func scan(
        _ database: Database,
        from start: [UInt8]? = nil,
        direction: ScanDirection = .forward,
        _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        let cursor = try cursor(database)
        defer { cursor.close() }
        var found = try cursor.position(at: start, direction: direction)
        while found {
            guard try body(cursor.currentKey, cursor.currentValue) else { return }
            found = try cursor.step(direction)
        }
    }

    /// Entry count and B-tree shape of `database`.
    public func statistics(_ database: Database) throws(LMDBError) -> DatabaseStatistics {
        try ensureOpen()
        var raw = MDB_stat()
        try check(mdb_stat(pointer, database.handle, &raw))
        return DatabaseStatistics(
            entries: raw.ms_entries,
            depth: Int(raw.ms_depth),
            pages: raw.ms_branch_pages + raw.ms_leaf_pages + raw.ms_overflow_pages,
            pageSize: Int(raw.ms_psize)
        )
    }
}

extension MDB_val {
    /// A value pointing at `bytes`; LMDB only reads through it for keys and put values.
    init(bytes: UnsafeRawBufferPointer) {
        self.init(mv_size: bytes.count, mv_data: UnsafeMutableRawPointer(mutating: bytes.baseAddress))
    }

    var buffer: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: mv_data, count: mv_size)
    }

    var copiedBytes: [UInt8] { [UInt8](buffer) }
}
