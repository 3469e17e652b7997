internal import CLMDB

/// A position in one database of one transaction. Cursors of read transactions close with the
/// transaction; ``close()`` closes one earlier. The `current…` buffers point into the map and are
/// valid until the cursor moves or the transaction ends.
public final class Cursor {
    private let pointer: OpaquePointer
    private let transaction: Transaction
    private var key = MDB_val()
    private var value = MDB_val()
    private var isOpen = true

    init(transaction: Transaction, database: Database) throws(LMDBError) {
        var raw: OpaquePointer?
        try check(mdb_cursor_open(transaction.pointer, database.handle, &raw))
        guard let raw else { throw LMDBError.badTransaction }
        self.pointer = raw
        self.transaction = transaction
    }

    /// Closes the cursor. Safe to call twice.
    public func close() {
        guard isOpen else { return }
        isOpen = false
        if transaction.isOpen { mdb_cursor_close(pointer) }
    }

    /// The key at the cursor (valid until it moves).
    public var currentKey: UnsafeRawBufferPointer { key.buffer }
    /// The value at the cursor (valid until it moves).
    public var currentValue: UnsafeRawBufferPointer { value.buffer }
    /// A copy of the entry at the cursor.
    public var current: (key: [UInt8], value: [UInt8]) { (key.copiedBytes, value.copiedBytes) }

    private func move(_ operation: MDB_cursor_op) throws(LMDBError) -> Bool {
        guard isOpen else { throw LMDBError.transactionClosed }
        try transaction.ensureOpen()
        let code = mdb_cursor_get(pointer, &key, &value, operation)
        if code == MDB_NOTFOUND { return false }
        try check(code)
        return true
    }

    /// Moves to the first key; `false` when the database is empty.
    public func first() throws(LMDBError) -> Bool { try move(MDB_FIRST) }
    /// Moves to the last key; `false` when the database is empty.
    public func last() throws(LMDBError) -> Bool { try move(MDB_LAST) }
    /// Moves to the next key; `false` past the end.
    public func next() throws(LMDBError) -> Bool { try move(MDB_NEXT) }
    /// Moves to the previous key; `false` before the start.
    public func previous() throws(LMDBError) -> Bool { try move(MDB_PREV) }

    /// Moves one step in `direction`.
    public func step(_ direction: ScanDirection) throws(LMDBError) -> Bool {
        direction == .forward ? try next() : try previous()
    }

    /// Moves to the first key `>= target`; `false` when there is none.
    public func seek(atLeast target: [UInt8]) throws(LMDBError) -> Bool {
        // LMDB rejects zero-length keys; every key is at least the empty one.
        if target.isEmpty { return try first() }
        guard isOpen else { throw LMDBError.transactionClosed }
        try transaction.ensureOpen()
        let code = target.withUnsafeBytes { bytes in
            key = MDB_val(bytes: bytes)
            return mdb_cursor_get(pointer, &key, &value, MDB_SET_RANGE)
        }
        if code == MDB_NOTFOUND { return false }
        try check(code)
        return true
    }

    /// Moves to the last key `<= target`; `false` when there is none.
    public func seek(atMost target: [UInt8]) throws(LMDBError) -> Bool {
        guard try seek(atLeast: target) else { return try last() }
        if currentKey.elementsEqual(target) { return true }
        return try previous()
    }

    /// Moves to where a scan from `start` in `direction` begins (see ``Transaction/scan(_:from:direction:_:)``).
    public func position(at start: [UInt8]?, direction: ScanDirection) throws(LMDBError) -> Bool {
        switch (start, direction) {
        case (nil, .forward): try first()
        case (nil, .backward): try last()
        case (let target?, .forward): try seek(atLeast: target)
        case (let target?, .backward): try seek(atMost: target)
        }
    }
}
