/// Which way a scan walks: towards larger keys, or smaller.
public enum ScanDirection: Sendable, Hashable {
    case forward
    case backward
}

/// A named key/value table in a store, for read models, checkpoints, idempotency records and
/// metadata. Writable only inside the store's write transactions, so a table written by an append
/// hook commits (or vanishes) together with the events. Keys sort bytewise.
public struct Table: Sendable, Hashable {
    /// The table's name.
    public let name: String
    /// The store's own handle for the table (an LMDB database index; unused by other stores).
    package let handle: UInt32

    package init(name: String, handle: UInt32 = 0) {
        self.name = name
        self.handle = handle
    }
}

/// Read access to tables, shared by snapshots and write transactions.
public protocol TableReading {
    /// A copy of the value under `key`, or `nil`.
    func get(_ table: Table, key: [UInt8]) throws -> [UInt8]?
    /// Walks `table` from `start` (the first key at or after it; at or before it backward; the
    /// table's first or last key when `nil`) in `direction` until `body` returns `false`. The
    /// buffers are valid only inside `body`.
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
