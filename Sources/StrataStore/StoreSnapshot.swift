/// Reads of the log and its tables at one moment, shared by snapshots and write transactions.
public protocol StoreReading: TableReading, StreamReading {
    /// The last position in the log (0 when empty); inside a transaction, its own events included.
    func headPosition() throws -> UInt64
    /// The event at `position`, or `nil`.
    func event(at position: UInt64) throws -> RecordedEvent?
    /// The events at `positions` that exist, in log order: one read where each read is a round
    /// trip (PostgreSQL); by default ``event(at:)`` for each.
    func events(at positions: [UInt64]) throws -> [RecordedEvent]
    /// Calls `body` with each event after `position` in log order, without collecting them, until
    /// `body` returns `false`.
    func forEachEvent(after position: UInt64, _ body: (RecordedEvent) throws -> Bool) throws
    /// Up to `limit` events of the whole log after `position` (forward) or before it (backward).
    func readAll(after position: UInt64, direction: ScanDirection, limit: Int) throws -> [RecordedEvent]
    /// Up to `limit` events of one stream from `version` (inclusive; `nil`: the first forward, the
    /// last backward) in `direction`.
    func readStream(_ streamId: String, from version: UInt64?, direction: ScanDirection, limit: Int) throws -> [RecordedEvent]
    /// Up to `limit` events of one type after `position`, in log order.
    func readByType(_ type: String, after position: UInt64, limit: Int) throws -> [RecordedEvent]
    /// Streams whose ids start with `prefix`, in id order, after the id `after`, with their versions.
    func streams(prefix: String, after: String?, limit: Int) throws -> [StreamSummary]
    /// Every event type in the log, in byte order, with how many events it has and the last one's position.
    func eventTypes() throws -> [EventTypeSummary]
}

extension StoreReading {
    public func events(at positions: [UInt64]) throws -> [RecordedEvent] {
        try positions.sorted().compactMap { try event(at: $0) }
    }

    /// Up to `limit` events of the whole log after `position`, forward.
    public func readAll(after position: UInt64 = 0, limit: Int = .max) throws -> [RecordedEvent] {
        try readAll(after: position, direction: .forward, limit: limit)
    }

    /// A whole stream, or the part of it `limit` allows, forward.
    public func readStream(_ streamId: String, limit: Int = .max) throws -> [RecordedEvent] {
        try readStream(streamId, from: nil, direction: .forward, limit: limit)
    }

    /// Events of one type after `position`.
    public func readByType(_ type: String, after position: UInt64 = 0) throws -> [RecordedEvent] {
        try readByType(type, after: position, limit: .max)
    }

    /// Calls `body` with every event from the first, in log order, until it returns `false`.
    public func forEachEvent(_ body: (RecordedEvent) throws -> Bool) throws {
        try forEachEvent(after: 0, body)
    }

    /// Streams whose ids start with `prefix`, from the first.
    public func streams(prefix: String = "", limit: Int = .max) throws -> [StreamSummary] {
        try streams(prefix: prefix, after: nil, limit: limit)
    }
}

/// A consistent, read-only view of the log and its tables at one moment, valid only inside
/// ``EventReading/withSnapshot(_:)``. Several reads through one snapshot agree with each other.
public protocol StoreSnapshot: StoreReading {}

/// An event type of the log: how many events it has and where the last one is.
public struct EventTypeSummary: Sendable, Hashable, Codable {
    public var type: String
    public var count: Int
    public var lastPosition: UInt64

    public init(type: String, count: Int, lastPosition: UInt64) {
        self.type = type
        self.count = count
        self.lastPosition = lastPosition
    }
}

/// A stream and its current version.
public struct StreamSummary: Sendable, Hashable, Codable {
    public var streamId: String
    public var version: UInt64

    public init(streamId: String, version: UInt64) {
        self.streamId = streamId
        self.version = version
    }
}
