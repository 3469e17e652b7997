/// A handle to a named database inside an ``Environment``. Handles are plain values, valid for as
/// long as the environment is open (until the database is dropped).
public struct Database: Sendable, Hashable {
    /// LMDB's database index (`MDB_dbi`).
    package let handle: UInt32
    /// The name it was opened by; `nil` for the unnamed main database.
    public let name: String?

    package init(handle: UInt32, name: String?) {
        self.handle = handle
        self.name = name
    }
}

/// Statistics of one database (`mdb_stat`).
public struct DatabaseStatistics: Sendable, Hashable {
    /// Number of key/value pairs.
    public var entries: Int
    /// Depth of the B-tree.
    public var depth: Int
    /// Pages in use: branch + leaf + overflow.
    public var pages: Int
    /// The page size in bytes.
    public var pageSize: Int
}

/// Facts about an open environment (`mdb_env_info`).
public struct EnvironmentInfo: Sendable, Hashable {
    /// The current map size in bytes.
    public var mapSize: Int
    /// The last page number in use: `(lastPage + 1) * pageSize` bytes of the file are in use.
    public var lastPage: Int
    /// The id of the last committed write transaction.
    public var lastTransactionID: Int
    /// The reader slot table's size.
    public var maxReaders: Int
    /// Reader slots in use.
    public var readersInUse: Int
}
