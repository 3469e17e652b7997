import Foundation
import StrataStore

/// A consumer group as stored: its settings, when it was made, and its cursor.
///
/// The scan has looked at every event up to `scanned`; the matching ones it could not hand out
/// yet (their stream was busy) are `waiting`. Every matching event at or below `frontier` (below
/// the first waiting one) is acknowledged, skipped, parked or leased; `position` is the highest
/// position below which none is still leased — what the API calls the group's position.
struct GroupRecord: Codable, Sendable, Hashable {
    var name: String
    var settings: GroupSettings
    var createdAt: Date
    /// Everything at or below it is handled.
    var position: UInt64
    /// The last position the scan looked at.
    var scanned: UInt64
    /// Matching events at or below `scanned` that wait for their stream, in log order.
    var waiting: [WaitingEvent]

    /// Everything at or below it has been handed out or settled: below the first waiting event.
    var frontier: UInt64 { Self.frontier(scanned: scanned, waiting: waiting) }

    static func frontier(scanned: UInt64, waiting: [WaitingEvent]) -> UInt64 {
        waiting.first.map { $0.position - 1 } ?? scanned
    }

    /// The group's position given its lowest lease: everything at or below it is handled.
    static func position(frontier: UInt64, lowestLease: UInt64?) -> UInt64 {
        lowestLease.map { min(frontier, $0 - 1) } ?? frontier
    }

    init(name: String, settings: GroupSettings, createdAt: Date, start: UInt64) {
        self.name = name
        self.settings = settings
        self.createdAt = createdAt
        position = start
        scanned = start
        waiting = []
    }
}

/// An event a group's scan passed because its stream was busy: where it is and its stream.
struct WaitingEvent: Codable, Sendable, Hashable {
    var position: UInt64
    var streamId: String
}

/// An event handed out (or waiting to be handed out again) to a group's consumer.
struct Lease: Codable, Sendable, Hashable {
    var position: UInt64
    var streamId: String
    var consumer: String
    /// Changes with each delivery, so an old delivery's ackId no longer acknowledges.
    var token: String
    /// How many times it has been delivered.
    var deliveries: Int
    /// Milliseconds since 1970 after which it may be delivered again; 0 at once.
    var deadline: Int64

    /// Whether it is with a consumer at `now` (not yet expired).
    func isInFlight(at now: Int64) -> Bool { deadline > now }

    /// The id a consumer acknowledges this delivery with: `<position>-<token>`.
    var ackId: String { "\(position)-\(token)" }
}

/// An acknowledgement id taken apart.
struct AckId: Hashable, Sendable {
    var position: UInt64
    var token: String

    init?(_ text: String) {
        guard let dash = text.firstIndex(of: "-"), let position = UInt64(text[..<dash]) else { return nil }
        self.position = position
        self.token = String(text[text.index(after: dash)...])
        guard !token.isEmpty else { return nil }
    }
}

/// An event a group set aside: not acknowledged after its deliveries, or parked by a consumer.
public struct ParkedMessage: Codable, Sendable, Hashable {
    public var position: UInt64
    public var streamId: String
    public var type: String
    public var reason: String
    public var deliveries: Int
    public var parkedAt: Date
}

/// A consumer as a group last saw it poll.
struct ConsumerSeen: Codable, Sendable, Hashable {
    var consumer: String
    var lastSeenAt: Date
}
