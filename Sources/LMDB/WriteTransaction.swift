internal import CLMDB
import Foundation

/// The write transaction: reads see its own uncommitted writes. It lives only inside the closure
/// given to ``Environment/withWriteTransaction(_:)``, which commits it.
public final class WriteTransaction: Transaction {
    private let parent: WriteTransaction?
    /// Databases opened inside this transaction; published to the environment's cache on commit
    /// (LMDB closes them again if the transaction aborts).
    private var openedDatabases: [String: Database] = [:]
    private var droppedDatabases: Set<String> = []
    /// Set when LMDB reported `MDB_MAP_FULL` anywhere in this transaction or its children, even if
    /// the caller turned that error into another one: the environment then grows the map and retries.
    public private(set) var sawMapFull = false

    init(environment: Environment, parent: WriteTransaction?) throws(LMDBError) {
        self.parent = parent
        try super.init(environment: environment, parent: parent, flags: 0)
    }

    private func record(_ code: Int32) throws(LMDBError) {
        guard code != MDB_SUCCESS else { return }
        if code == MDB_MAP_FULL { markMapFull() }
        throw LMDBError(returnCode: code)
    }

    private func markMapFull() {
        sawMapFull = true
        parent?.markMapFull()
    }

    func commit() throws(LMDBError) {
        do {
            try commitRaw()
        } catch {
            if error == .mapFull { markMapFull() }
            throw error
        }
        if let parent {
            parent.openedDatabases.merge(openedDatabases) { _, new in new }
            parent.droppedDatabases.formUnion(droppedDatabases)
        } else {
            droppedDatabases.forEach(environment.forget)
            environment.publish(openedDatabases)
        }
    }

    // MARK: Writing

    /// Stores `value` under `key`.
    ///
    /// - Throws: ``LMDBError/keyExists`` with `.noOverwrite` when the key is present;
    ///   ``LMDBError/mapFull`` when the map is full (the environment grows it and retries the
    ///   whole transaction); ``LMDBError/badValueSize`` for an empty key or one over 511 bytes.
    public func put(_ database: Database, key: some ContiguousBytes, value: some ContiguousBytes, flags: PutFlags = []) throws(LMDBError) {
        try ensureOpen()
        let code = key.withUnsafeBytes { keyBytes in
            value.withUnsafeBytes { valueBytes in
                var keyValue = MDB_val(bytes: keyBytes)
                var dataValue = MDB_val(bytes: valueBytes)
                return mdb_put(pointer, database.handle, &keyValue, &dataValue, flags.rawValue)
            }
        }
        try record(code)
    }

    /// Removes `key`; returns whether it was present.
    @discardableResult
    public func delete(_ database: Database, key: some ContiguousBytes) throws(LMDBError) -> Bool {
        try ensureOpen()
        let code = key.withUnsafeBytes { keyBytes in
            var keyValue = MDB_val(bytes: keyBytes)
            return mdb_del(pointer, database.handle, &keyValue, nil)
        }
        if code == MDB_NOTFOUND { return false }
        try record(code)
        return true
    }

    /// Removes every entry of `database`, keeping the database.
    public func clear(_ database: Database) throws(LMDBError) {
        try ensureOpen()
        try record(mdb_drop(pointer, database.handle, 0))
    }

    /// Deletes `database` itself; its handle is invalid once this transaction commits.
    public func drop(_ database: Database) throws(LMDBError) {
        try ensureOpen()
        try record(mdb_drop(pointer, database.handle, 1))
        if let name = database.name {
            openedDatabases.removeValue(forKey: name)
            droppedDatabases.insert(name)
        }
    }

    /// Opens the named database inside this transaction, creating it with `.create`. The handle
    /// becomes usable by other transactions once this one commits.
    public func openDatabase(named name: String, flags: DatabaseFlags = [.create]) throws(LMDBError) -> Database {
        try ensureOpen()
        if let opened = openedDatabases[name] { return opened }
        if !droppedDatabases.contains(name), let cached = environment.cachedDatabase(named: name) { return cached }
        var handle = MDB_dbi()
        try record(mdb_dbi_open(pointer, name, flags.rawValue, &handle))
        let database = Database(handle: handle, name: name)
        openedDatabases[name] = database
        droppedDatabases.remove(name)
        return database
    }

    /// Runs `body` in a nested transaction: its writes join this transaction when `body` returns,
    /// and vanish, leaving this transaction as it was, when `body` throws.
    public func withNestedTransaction<T>(_ body: (WriteTransaction) throws -> T) throws -> T {
        try ensureOpen()
        let child = try WriteTransaction(environment: environment, parent: self)
        do {
            let value = try body(child)
            try child.commit()
            return value
        } catch {
            child.abort()
            throw error
        }
    }
}
