import Foundation
import StrataStore

/// A consumer group as the API shows it: its settings (a push target without its secret), its
/// position and the head, what is in flight and parked, and its consumers.
public struct GroupStatus: Codable, Sendable, Hashable {
    /// A push target as shown: the URL only.
    public struct Push: Codable, Sendable, Hashable {
        public var url: String
    }

    /// A consumer as shown: its events in flight and when it last polled.
    public struct Consumer: Codable, Sendable, Hashable {
        public var consumer: String
        public var inFlight: Int
        public var lastSeenAt: Date
    }

    public var group: String
    public var eventTypes: [String]
    public var streamPrefix: String
    public var startFrom: StartPoint
    public var ackTimeoutSeconds: Int
    public var maxDeliveries: Int
    public var push: Push?
    /// Every event at or below it is acknowledged, skipped or parked.
    public var position: UInt64
    public var head: UInt64
    /// Events of the log after the position (`head - position`).
    public var lag: UInt64
    public var inFlight: Int
    public var parked: Int
    public var consumers: [Consumer]

    private enum CodingKeys: String, CodingKey {
        case group, eventTypes, streamPrefix, startFrom, ackTimeoutSeconds, maxDeliveries, push, position, head, lag, inFlight, parked, consumers
    }

    /// Every member is written; `push` as `null` for a polled group, never left out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(group, forKey: .group)
        try container.encode(eventTypes, forKey: .eventTypes)
        try container.encode(streamPrefix, forKey: .streamPrefix)
        try container.encode(startFrom, forKey: .startFrom)
        try container.encode(ackTimeoutSeconds, forKey: .ackTimeoutSeconds)
        try container.encode(maxDeliveries, forKey: .maxDeliveries)
        try container.encode(push, forKey: .push)
        try container.encode(position, forKey: .position)
        try container.encode(head, forKey: .head)
        try container.encode(lag, forKey: .lag)
        try container.encode(inFlight, forKey: .inFlight)
        try container.encode(parked, forKey: .parked)
        try container.encode(consumers, forKey: .consumers)
    }

    init(_ record: GroupRecord, rows: GroupRows, head: UInt64, now: Int64, in reader: any StoreReading) throws {
        let settings = record.settings
        let leases = try rows.leases(of: record.name, in: reader).filter { $0.isInFlight(at: now) }
        group = record.name
        eventTypes = settings.eventTypes
        streamPrefix = settings.streamPrefix
        startFrom = settings.startFrom
        ackTimeoutSeconds = settings.ackTimeoutSeconds
        maxDeliveries = settings.maxDeliveries
        push = settings.push.map { Push(url: $0.url) }
        position = record.position
        self.head = head
        lag = head > record.position ? head - record.position : 0
        inFlight = leases.count
        parked = try rows.count(GroupRows.parked, of: record.name, in: reader)
        let held = Dictionary(grouping: leases, by: \.consumer).mapValues(\.count)
        consumers = try rows.consumers(of: record.name, in: reader).map {
            Consumer(consumer: $0.consumer, inFlight: held[$0.consumer] ?? 0, lastSeenAt: $0.lastSeenAt)
        }
    }
}
