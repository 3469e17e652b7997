import LMDB

// Scans of tables and streams take a direction; callers of the log should not need the wrapper.
@_exported import enum LMDB.ScanDirection

/// A named key/value table in the log's environment, for read models, checkpoints, idempotency
/// records and metadata. Writable only inside the log's write transactions, so a table written by an
/// append hook commits (or vanishes) together with the events.
public struct Table: Sendable, Hashable {
    /// The table's name (an LMDB named database).
    public let name: String
    let database: Database

    init(_ database: Database) {
        self.name = database.name ?? ""
        self.database = database
    }

    /// Names the log keeps for itself; hooks cannot open these for writing.
    static let reservedNames: Set<String> = [LogTables.events, LogTables.streams, LogTables.heads, LogTables.types, LogTables.typeTails]
}

/// Read access to tables, shared by snapshots and write transactions.
public protocol TableReading {
    /// A copy of the value under `key`, or `nil`.
    func get(_ table: Table, key: [UInt8]) throws -> [UInt8]?
    /// Walks `table` from `start` in `direction` until `body` returns `false` (see
    /// `LMDB.Transaction.scan`). The buffers are valid only inside `body`.
    func scan(
        _ table: Table,
        from start: [UInt8]?,
        direction: ScanDirection,
        _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool
    ) throws
    /// Number of entries in `table`.
    func count(_ table: Table) throws -> Int
}

extension TableReading {
    /// Walks `table` forward from its first key.
    public func scan(_ table: Table, _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool) throws {
        try scan(table, from: nil, direction: .forward, body)
    }
}

/// Reading streams, shared by snapshots and write transactions, so that loading an aggregate
/// works the same on either side of the writer.
public protocol StreamReading {
    /// A stream's current version (0 when it has no events).
    func streamVersion(_ streamId: String) throws -> UInt64
    /// Up to `limit` events of a stream, forward from `version` (inclusive).
    func readStream(_ streamId: String, from version: UInt64, limit: Int) throws -> [RecordedEvent]
}

/// The handles of the log's own tables.
struct LogTables: Sendable {
    static let events = "events"
    static let streams = "streams"
    static let heads = "heads"
    static let types = "types"
    static let typeTails = "typeTails"
    static let checkpoints = "checkpoints"
    static let idempotency = "idempotency"
    static let meta = "meta"
    static let all = [events, streams, heads, types, typeTails, checkpoints, idempotency, meta]

    let events: Database
    let streams: Database
    let heads: Database
    let types: Database
    let typeTails: Database
    let checkpoints: Database
    let idempotency: Database
    let meta: Database

    init(_ open: (String) throws -> Database) throws {
        events = try open(Self.events)
        streams = try open(Self.streams)
        heads = try open(Self.heads)
        types = try open(Self.types)
        typeTails = try open(Self.typeTails)
        checkpoints = try open(Self.checkpoints)
        idempotency = try open(Self.idempotency)
        meta = try open(Self.meta)
    }
}
