import StrataKit

/// What a consumer group delivers and how: its filter and start, which never change once the
/// group exists, and its timing and push target, which may.
public struct GroupSettings: Codable, Sendable, Hashable {
    /// Only events of these types; empty for every type.
    public var eventTypes: [String]
    /// Only events of streams whose ids start with this; empty for every stream.
    public var streamPrefix: String
    /// Where delivery begins.
    public var startFrom: StartPoint
    /// How long a delivered event waits for its acknowledgement before it is delivered again.
    public var ackTimeoutSeconds: Int
    /// Deliveries after which an unacknowledged event is parked.
    public var maxDeliveries: Int
    /// Set for a push group: the server POSTs each message there instead of being polled.
    public var push: PushTarget?

    public init(
        eventTypes: [String] = [],
        streamPrefix: String = "",
        startFrom: StartPoint = .start,
        ackTimeoutSeconds: Int = 30,
        maxDeliveries: Int = 5,
        push: PushTarget? = nil
    ) {
        self.eventTypes = eventTypes
        self.streamPrefix = streamPrefix
        self.startFrom = startFrom
        self.ackTimeoutSeconds = ackTimeoutSeconds
        self.maxDeliveries = maxDeliveries
        self.push = push
    }

    /// Whether the group delivers `type` on `streamId`.
    public func matches(type: String, streamId: String) -> Bool {
        (eventTypes.isEmpty || eventTypes.contains(type)) && (streamPrefix.isEmpty || streamId.hasPrefix(streamPrefix))
    }

    /// Whether `other` keeps this group's filter and start (the parts that cannot change).
    public func keepsFilter(of other: GroupSettings) -> Bool {
        Set(eventTypes) == Set(other.eventTypes) && streamPrefix == other.streamPrefix && startFrom == other.startFrom
    }
}

/// Where a new group's delivery begins.
public enum StartPoint: Codable, Sendable, Hashable {
    /// From the first event of the log.
    case start
    /// With the events appended after the group is made.
    case end
    /// From this position on (it included).
    case position(UInt64)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(UInt64.self) {
            self = .position(number)
        } else if try container.decode(String.self) == "end" {
            self = .end
        } else {
            self = .start
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .start: try container.encode("start")
        case .end: try container.encode("end")
        case .position(let position): try container.encode(position)
        }
    }
}

/// Where a push group's messages go, and the secret their signatures are made with.
public struct PushTarget: Codable, Sendable, Hashable {
    /// An `http` or `https` URL.
    public var url: String
    /// The HMAC-SHA256 key of `Strata-Signature`; never shown back.
    public var secret: String

    public init(url: String, secret: String) {
        self.url = url
        self.secret = secret
    }
}
