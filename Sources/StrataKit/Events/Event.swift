import Foundation
import StrataStore

/// A domain event: a past-tense fact with a stable wire name, decoupled from the Swift type name.
/// When an event's shape changes, the new shape gets a new wire name (`"OrderPlaced.v2"`) and an
/// upcaster turns stored old shapes into it (see ``EventRegistry``).
public protocol Event: Codable, Sendable {
    /// The wire name stored with every event of this type, such as `"OrderPlaced"`.
    static var eventType: String { get }
}

/// What every event carries besides its data: who caused it and as part of which request.
public struct EventMetadata: Codable, Sendable, Hashable {
    /// The request id that led to the event.
    public var correlationId: String?
    /// The id of the message (request or event) that directly caused it.
    public var causationId: String?
    /// The signed-in user who issued the command, if any.
    public var userId: String?
    /// The W3C `traceparent` of the request that issued the command, if it had one: consumers of
    /// the event continue that trace.
    public var traceparent: String?

    /// Metadata of a request (`correlationId`), the event or command that caused it, the acting
    /// user, and the request's trace context.
    public init(correlationId: String? = nil, causationId: String? = nil, userId: String? = nil, traceparent: String? = nil) {
        self.correlationId = correlationId
        self.causationId = causationId
        self.userId = userId
        self.traceparent = traceparent
    }
}

/// A decoded event with its place in the log: what aggregates and projections see. Old shapes
/// have already been upcast, so `event` is always of a current type.
public struct Envelope: Sendable {
    /// The event's global position in the log.
    public var position: UInt64
    /// The stream it belongs to (`<category>-<id>`).
    public var streamId: String
    /// Its version within the stream, from 1.
    public var streamVersion: UInt64
    /// The event's own id, unique in the log.
    public var eventId: UUID
    /// The current wire type (after upcasting).
    public var type: String
    /// When it was appended.
    public var recordedAt: Date
    /// Who and what caused it.
    public var metadata: EventMetadata
    /// The event itself, upcast and decoded.
    public var event: any Event

    /// An envelope of the given parts.
    public init(
        position: UInt64,
        streamId: String,
        streamVersion: UInt64,
        eventId: UUID,
        type: String,
        recordedAt: Date,
        metadata: EventMetadata,
        event: any Event
    ) {
        self.position = position
        self.streamId = streamId
        self.streamVersion = streamVersion
        self.eventId = eventId
        self.type = type
        self.recordedAt = recordedAt
        self.metadata = metadata
        self.event = event
    }
}
