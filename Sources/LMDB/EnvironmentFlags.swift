internal import CLMDB

/// Flags for opening an ``Environment`` (`mdb_env_open`). Each raw value is LMDB's own constant.
public struct EnvironmentFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Use a fixed address for the map (`MDB_FIXEDMAP`).
    public static let fixedMap = EnvironmentFlags(rawValue: UInt32(MDB_FIXEDMAP))
    /// The path is the data file itself, not a directory (`MDB_NOSUBDIR`).
    public static let noSubdirectory = EnvironmentFlags(rawValue: UInt32(MDB_NOSUBDIR))
    /// Do not fsync on commit: commits are not durable (`MDB_NOSYNC`).
    public static let noSync = EnvironmentFlags(rawValue: UInt32(MDB_NOSYNC))
    /// Open read-only; writes fail (`MDB_RDONLY`).
    public static let readOnly = EnvironmentFlags(rawValue: UInt32(MDB_RDONLY))
    /// Do not fsync the meta page on commit (`MDB_NOMETASYNC`).
    public static let noMetaSync = EnvironmentFlags(rawValue: UInt32(MDB_NOMETASYNC))
    /// Write through a writable memory map (`MDB_WRITEMAP`); nested transactions are then unavailable.
    public static let writeMap = EnvironmentFlags(rawValue: UInt32(MDB_WRITEMAP))
    /// Flush asynchronously with `writeMap` (`MDB_MAPASYNC`).
    public static let mapAsync = EnvironmentFlags(rawValue: UInt32(MDB_MAPASYNC))
    /// Reader slots belong to transactions, not threads (`MDB_NOTLS`): needed when read transactions
    /// run on a thread pool, as Swift concurrency does.
    public static let noThreadLocalStorage = EnvironmentFlags(rawValue: UInt32(MDB_NOTLS))
    /// No locking at all: the caller serializes everything (`MDB_NOLOCK`).
    public static let noLock = EnvironmentFlags(rawValue: UInt32(MDB_NOLOCK))
    /// Turn off the operating system's read-ahead (`MDB_NORDAHEAD`).
    public static let noReadAhead = EnvironmentFlags(rawValue: UInt32(MDB_NORDAHEAD))
    /// Do not zero malloc'd pages before writing them (`MDB_NOMEMINIT`).
    public static let noMemoryInit = EnvironmentFlags(rawValue: UInt32(MDB_NOMEMINIT))
}

/// Flags for opening a named ``Database`` (`mdb_dbi_open`). Each raw value is LMDB's own constant.
public struct DatabaseFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Compare keys from their last byte backwards (`MDB_REVERSEKEY`).
    public static let reverseKey = DatabaseFlags(rawValue: UInt32(MDB_REVERSEKEY))
    /// Several sorted values per key (`MDB_DUPSORT`).
    public static let duplicateSort = DatabaseFlags(rawValue: UInt32(MDB_DUPSORT))
    /// Keys are native unsigned integers (`MDB_INTEGERKEY`).
    public static let integerKey = DatabaseFlags(rawValue: UInt32(MDB_INTEGERKEY))
    /// With `duplicateSort`, all values have one size (`MDB_DUPFIXED`).
    public static let duplicateFixed = DatabaseFlags(rawValue: UInt32(MDB_DUPFIXED))
    /// With `duplicateSort`, values are native integers (`MDB_INTEGERDUP`).
    public static let integerDuplicate = DatabaseFlags(rawValue: UInt32(MDB_INTEGERDUP))
    /// With `duplicateSort`, compare values backwards (`MDB_REVERSEDUP`).
    public static let reverseDuplicate = DatabaseFlags(rawValue: UInt32(MDB_REVERSEDUP))
    /// Create the database if it does not exist (`MDB_CREATE`).
    public static let create = DatabaseFlags(rawValue: UInt32(MDB_CREATE))
}

/// Flags for ``WriteTransaction/put(_:key:value:flags:)`` (`mdb_put`). Each raw value is LMDB's own constant.
public struct PutFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Fail with ``LMDBError/keyExists`` when the key is present (`MDB_NOOVERWRITE`).
    public static let noOverwrite = PutFlags(rawValue: UInt32(MDB_NOOVERWRITE))
    /// With `duplicateSort`, fail when the key/value pair is present (`MDB_NODUPDATA`).
    public static let noDuplicateData = PutFlags(rawValue: UInt32(MDB_NODUPDATA))
    /// Append at the end: the key must sort after every existing key (`MDB_APPEND`). Much faster for
    /// keys that only grow, such as log positions.
    public static let append = PutFlags(rawValue: UInt32(MDB_APPEND))
    /// Append a duplicate value at the end (`MDB_APPENDDUP`).
    public static let appendDuplicate = PutFlags(rawValue: UInt32(MDB_APPENDDUP))
}
