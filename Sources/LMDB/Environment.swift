internal import CLMDB
import Foundation
import Synchronization

/// An open LMDB environment: one memory-mapped file holding named databases.
///
/// LMDB forbids opening the same environment twice in one process, so a second `Environment` for a
/// path already open here throws ``LMDBError/alreadyOpen``. Transactions are scoped:
/// ``withReadTransaction(_:)`` and ``withWriteTransaction(_:)`` run a closure and end the
/// transaction when it returns; values read inside are copied out before that.
///
/// `@unchecked Sendable`: the `MDB_env` handle is thread-safe for the calls made here (with
/// `MDB_NOTLS` a read transaction may run on any thread); map resizing is excluded from running
/// transactions by ``ResizeLock``, and the database-handle cache sits behind a `Mutex`.
public final class Environment: @unchecked Sendable {
    let pointer: OpaquePointer
    /// The directory (or, with `noSubdirectory`, the file) this environment was opened at.
    public let path: String
    /// The configuration it was opened with.
    public let configuration: EnvironmentConfiguration
    let resizeLock = ResizeLock()
    private let registryKey: String
    private let state = Mutex(State())

    private struct State {
        var databases: [String: Database] = [:]
        var isClosed = false
    }

    /// Whether the environment was opened with ``EnvironmentFlags/readOnly``.
    public var isReadOnly: Bool { configuration.flags.contains(.readOnly) }

    /// Opens (and, unless read-only, creates) the environment at `path`.
    ///
    /// - Throws: ``LMDBError/alreadyOpen`` when this process has it open already; a system error
    ///   when the path cannot be created or read; ``LMDBError/invalid`` for a file that is not LMDB's.
    public init(path: String, configuration: EnvironmentConfiguration = EnvironmentConfiguration()) throws(LMDBError) {
        let readOnly = configuration.flags.contains(.readOnly)
        if !readOnly && !configuration.flags.contains(.noSubdirectory) {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw LMDBError.system((error as NSError).code == NSFileWriteNoPermissionError ? EACCES : EIO)
            }
        }
        let key = Environment.canonicalPath(path)
        guard Environment.openPaths.withLock({ $0.insert(key).inserted }) else { throw .alreadyOpen }

        var environment: OpaquePointer?
        do throws(LMDBError) {
            try check(mdb_env_create(&environment))
            guard let environment else { throw LMDBError.invalid }
            try check(mdb_env_set_maxdbs(environment, MDB_dbi(configuration.maxDatabases)))
            try check(mdb_env_set_maxreaders(environment, UInt32(configuration.maxReaders)))
            if !readOnly { try check(mdb_env_set_mapsize(environment, configuration.mapSize)) }
            try check(mdb_env_open(environment, path, configuration.flags.rawValue, mdb_mode_t(configuration.fileMode)))
            self.pointer = environment
        } catch {
            if let environment { mdb_env_close(environment) }
            _ = Environment.openPaths.withLock { $0.remove(key) }
            throw error
        }
        self.path = path
        self.configuration = configuration
        self.registryKey = key
    }

    deinit { close() }

    /// Closes the environment. Every transaction must have ended; handles become invalid.
    public func close() {
        let wasOpen = state.withLock { state in
            defer { state.isClosed = true }
            return !state.isClosed
        }
        guard wasOpen else { return }
        mdb_env_close(pointer)
        _ = Environment.openPaths.withLock { $0.remove(registryKey) }
    }

    // MARK: Transactions

    /// Runs `body` in a read-only transaction: a consistent snapshot, never blocked by the writer.
    /// Copy values out inside `body`; the transaction ends when it returns.
    public func withReadTransaction<T>(_ body: (Transaction) throws -> T) throws -> T {
        while true {
            do {
                return try resizeLock.withShared {
                    let transaction = try Transaction(environment: self, parent: nil, flags: UInt32(MDB_RDONLY))
                    defer { transaction.endRead() }
                    return try body(transaction)
                }
            } catch let error as LMDBError where error == .mapResized {
                try adoptResizedMap()
            }
        }
    }

    /// Runs `body` in the write transaction and commits it durably (unless `noSync`) when `body`
    /// returns; a thrown error aborts it. LMDB allows one write transaction at a time.
    ///
    /// When the map is full, the transaction is aborted, the map grows (up to
    /// ``EnvironmentConfiguration/maximumMapSize``) and `body` runs again from the start: it must
    /// have no effects outside the transaction that a second run would repeat.
    public func withWriteTransaction<T>(_ body: (WriteTransaction) throws -> T) throws -> T {
        guard !isReadOnly else { throw LMDBError.readOnly }
        while true {
            var outcome: Result<T, any Error> = .failure(LMDBError.badTransaction)
            var mapIsFull = false
            do {
                try resizeLock.withShared {
                    let transaction = try WriteTransaction(environment: self, parent: nil)
                    do {
                        let value = try body(transaction)
                        try transaction.commit()
                        outcome = .success(value)
                    } catch {
                        transaction.abort()
                        mapIsFull = transaction.sawMapFull
                        outcome = .failure(error)
                    }
                }
            } catch let error as LMDBError where error == .mapResized {
                try adoptResizedMap()
                continue
            }
            if mapIsFull {
                try growMap()
                continue
            }
            return try outcome.get()
        }
    }

    // MARK: Databases

    /// Opens (creating unless read-only) the named database, in a transaction of its own.
    /// Handles are cached: opening the same name again returns the same handle.
    ///
    /// - Throws: ``LMDBError/notFound`` when read-only and the database does not exist.
    public func openDatabase(named name: String, flags: DatabaseFlags = []) throws -> Database {
        if let cached = state.withLock({ $0.databases[name] }) { return cached }
        if isReadOnly {
            return try withReadTransaction { transaction in
                try state.withLock { state in
                    if let cached = state.databases[name] { return cached }
                    var handle = MDB_dbi()
                    try check(mdb_dbi_open(transaction.pointer, name, flags.subtracting(.create).rawValue, &handle))
                    let database = Database(handle: handle, name: name)
                    state.databases[name] = database
                    return database
                }
            }
        }
        return try withWriteTransaction { transaction in
            try transaction.openDatabase(named: name, flags: flags.union(.create))
        }
    }

    /// The names of the named databases that exist, in byte order.
    public func databaseNames() throws -> [String] {
        try withReadTransaction { transaction in
            var names: [String] = []
            try transaction.scan(Database(handle: 1, name: nil)) { key, _ in
                names.append(String(decoding: key, as: UTF8.self))
                return true
            }
            return names
        }
    }

    /// The handle of a named database this process has already opened, without opening anything.
    public func database(named name: String) -> Database? {
        cachedDatabase(named: name)
    }

    func cachedDatabase(named name: String) -> Database? {
        state.withLock { $0.databases[name] }
    }

    func publish(_ databases: [String: Database]) {
        guard !databases.isEmpty else { return }
        state.withLock { $0.databases.merge(databases) { _, new in new } }
    }

    func forget(_ name: String) {
        _ = state.withLock { $0.databases.removeValue(forKey: name) }
    }

    // MARK: Maintenance

    /// Flushes the data buffers to disk; with `force`, also when opened with `noSync`.
    public func sync(force: Bool = true) throws(LMDBError) {
        try check(mdb_env_sync(pointer, force ? 1 : 0))
    }

    /// Whether the next commits leave their meta page unsynced (`MDB_NOMETASYNC`, changeable at any
    /// time): their data pages are still synced, and the next commit's sync, or ``sync(force:)``,
    /// flushes the meta page. Only the writing thread may call this, between its commits.
    public func deferMetaSync(_ deferred: Bool) throws(LMDBError) {
        try check(mdb_env_set_flags(pointer, UInt32(MDB_NOMETASYNC), deferred ? 1 : 0))
    }

    /// Whether the write transaction numbered `id` (its ``Transaction/id``) made a new state. LMDB
    /// commits a write transaction that changed nothing without writing or syncing anything, so
    /// such a commit flushes no meta page left unsynced before it. `false` when that cannot be
    /// read, which makes a caller sync rather than trust an unknown.
    public func madeNewState(transaction id: Int) -> Bool {
        guard let info = try? info() else { return false }
        return info.lastTransactionID >= id
    }

    /// Copies the environment to the empty directory `destination` as a consistent snapshot,
    /// beside running writers. With `compact`, free pages are left out and pages renumbered.
    public func copy(to destination: String, compact: Bool) throws(LMDBError) {
        try check(mdb_env_copy2(pointer, destination, compact ? UInt32(MDB_CP_COMPACT) : 0))
    }

    /// Facts about the map and readers.
    public func info() throws(LMDBError) -> EnvironmentInfo {
        var raw = MDB_envinfo()
        try check(mdb_env_info(pointer, &raw))
        return EnvironmentInfo(
            mapSize: raw.me_mapsize,
            lastPage: raw.me_last_pgno,
            lastTransactionID: raw.me_last_txnid,
            maxReaders: Int(raw.me_maxreaders),
            readersInUse: Int(raw.me_numreaders)
        )
    }

    /// The page size of the file.
    public func pageSize() throws(LMDBError) -> Int {
        var raw = MDB_stat()
        try check(mdb_env_stat(pointer, &raw))
        return Int(raw.ms_psize)
    }

    /// Grows the map after `MDB_MAP_FULL`, doubling up to the maximum.
    private func growMap() throws {
        let grown: Bool? = try resizeLock.withExclusive {
            let current = try info().mapSize
            guard current < configuration.maximumMapSize else { return false }
            let next = min(configuration.maximumMapSize, max(current * 2, current + (1 << 20)))
            try check(mdb_env_set_mapsize(pointer, next))
            return true
        }
        guard grown == true else { throw LMDBError.mapFull }
    }

    /// Adopts a map that another process grew (`MDB_MAP_RESIZED`).
    private func adoptResizedMap() throws {
        let adopted: Void? = try resizeLock.withExclusive {
            try check(mdb_env_set_mapsize(pointer, 0))
        }
        guard adopted != nil else { throw LMDBError.mapResized }
    }

    // MARK: One environment per path per process

    private static let openPaths = Mutex(Set<String>())

    private static func canonicalPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else {
            return URL(fileURLWithPath: path).standardizedFileURL.path
        }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
