import Foundation

/// An event to append: its id, its wire type name, and its JSON data and metadata as bytes.
/// The log does not interpret `data` or `metadata`.
public struct EventData: Sendable, Hashable {
    /// A unique id for this event (idempotent writers reuse it on retry).
    public var id: UUID
    /// The stable wire name, such as `"OrderPlaced"` (1–255 UTF-8 bytes, no NUL).
    public var type: String
    /// The event body, normally JSON.
    public var data: [UInt8]
    /// The envelope metadata (correlation id, causation id, user id …), normally JSON.
    public var metadata: [UInt8]

    /// An event with a fresh, time-ordered id.
    public init(id: UUID = UUIDv7.make(), type: String, data: [UInt8], metadata: [UInt8] = Array("{}".utf8)) {
        self.id = id
        self.type = type
        self.data = data
        self.metadata = metadata
    }
}

/// An event as stored in the log, with its place in the log and in its stream.
public struct RecordedEvent: Sendable, Hashable {
    /// Global position: 1, 2, 3 … with no gaps.
    public var position: UInt64
    /// The stream it belongs to, such as `order-0190…`.
    public var streamId: String
    /// Its version in the stream: 1, 2, 3 … with no gaps.
    public var streamVersion: UInt64
    /// The event id given at append.
    public var id: UUID
    /// The wire type name.
    public var type: String
    /// When it was appended (microsecond precision).
    public var recordedAt: Date
    /// The envelope metadata bytes.
    public var metadata: [UInt8]
    /// The event body bytes.
    public var data: [UInt8]

    /// `recordedAt` in whole microseconds since 1970, as stored.
    public var recordedAtMicroseconds: Int64 { Self.microseconds(recordedAt) }

    /// Whole microseconds since 1970 for `date`: the precision stores keep.
    public static func microseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    /// Creates a recorded event; the log makes these, tests and importers may too.
    public init(
        position: UInt64,
        streamId: String,
        streamVersion: UInt64,
        id: UUID,
        type: String,
        recordedAt: Date,
        metadata: [UInt8],
        data: [UInt8]
    ) {
        self.position = position
        self.streamId = streamId
        self.streamVersion = streamVersion
        self.id = id
        self.type = type
        self.recordedAt = recordedAt
        self.metadata = metadata
        self.data = data
    }
}
