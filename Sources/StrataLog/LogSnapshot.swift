import LMDB

/// A consistent, read-only view of the log and its tables at one moment, valid only inside
/// ``EventLog/withSnapshot(_:)``. Several reads through one snapshot agree with each other.
public final class LogSnapshot: TableReading, StreamReading {
    let reader: LogReader

    init(transaction: Transaction, tables: LogTables) {
        reader = LogReader(transaction: transaction, tables: tables)
    }

    /// The last position in the log (0 when empty).
    public func headPosition() throws -> UInt64 { try reader.headPosition() }

    /// The current version of a stream (0 when it has no events).
    public func streamVersion(_ streamId: String) throws -> UInt64 { try reader.streamVersion(streamId) }

    /// The event at `position`, or `nil`.
    public func event(at position: UInt64) throws -> RecordedEvent? { try reader.event(at: position) }

    /// Up to `limit` events of the whole log after `position` (forward) or before it (backward).
    public func readAll(after position: UInt64 = 0, direction: ScanDirection = .forward, limit: Int = .max) throws -> [RecordedEvent] {
        try reader.events(after: position, direction: direction, limit: limit)
    }

    /// Calls `body` with each event after `position` in log order, without collecting them, until
    /// `body` returns `false`.
    public func forEachEvent(after position: UInt64 = 0, _ body: (RecordedEvent) throws -> Bool) throws {
        try reader.forEachEvent(after: position, body)
    }

    /// Up to `limit` events of one stream, from `version` (inclusive) forward, or backward from it.
    public func readStream(
        _ streamId: String,
        from version: UInt64? = nil,
        direction: ScanDirection = .forward,
        limit: Int = .max
    ) throws
        -> [RecordedEvent]
    {
        let start = version ?? (direction == .forward ? 1 : .max)
        return try reader.stream(streamId, from: start, direction: direction, limit: limit)
    }

    /// Up to `limit` events of one stream forward from `version`.
    public func readStream(_ streamId: String, from version: UInt64, limit: Int) throws -> [RecordedEvent] {
        try reader.stream(streamId, from: version, direction: .forward, limit: limit)
    }

    /// Up to `limit` events of one type after `position`, through the type index.
    public func readByType(_ type: String, after position: UInt64 = 0, limit: Int = .max) throws -> [RecordedEvent] {
        try reader.events(ofType: type, after: position, limit: limit)
    }

    /// Streams whose ids start with `prefix`, in id order, after the id `after`.
    public func streams(prefix: String = "", after: String? = nil, limit: Int = .max) throws -> [(streamId: String, version: UInt64)] {
        try reader.streams(prefix: prefix, after: after, limit: limit)
    }

    public func get(_ table: Table, key: [UInt8]) throws -> [UInt8]? {
        try reader.transaction.get(table.database, key: key)
    }

    public func scan(
        _ table: Table,
        from start: [UInt8]?,
        direction: ScanDirection,
        _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        try reader.transaction.scan(table.database, from: start, direction: direction, body)
    }

    public func count(_ table: Table) throws -> Int {
        try reader.transaction.statistics(table.database).entries
    }
}
