/// How to open an ``Environment``.
public struct EnvironmentConfiguration: Sendable, Hashable {
    /// The map size to start with, in bytes. It is address space, not disk: the file grows as data
    /// is written. Rounded up by LMDB to a whole number of pages.
    public var mapSize: Int
    /// The map grows (doubling) on `MDB_MAP_FULL` up to this many bytes; past it writes fail with
    /// ``LMDBError/mapFull``.
    public var maximumMapSize: Int
    /// How many named databases the environment may hold.
    public var maxDatabases: Int
    /// How many read transactions may be open at once, across all processes.
    public var maxReaders: Int
    /// Flags for `mdb_env_open`. The default has ``EnvironmentFlags/noThreadLocalStorage``, which
    /// Swift concurrency needs (a task may resume on another thread).
    public var flags: EnvironmentFlags
    /// Permissions of the files LMDB creates.
    public var fileMode: UInt32

    /// A configuration with the given sizes and `[.noThreadLocalStorage]`.
    public init(
        mapSize: Int = 1 << 30,
        maximumMapSize: Int = 1 << 40,
        maxDatabases: Int = 128,
        maxReaders: Int = 512,
        flags: EnvironmentFlags = [.noThreadLocalStorage],
        fileMode: UInt32 = 0o600
    ) {
        self.mapSize = mapSize
        self.maximumMapSize = max(mapSize, maximumMapSize)
        self.maxDatabases = maxDatabases
        self.maxReaders = maxReaders
        self.flags = flags
        self.fileMode = fileMode
    }
}
