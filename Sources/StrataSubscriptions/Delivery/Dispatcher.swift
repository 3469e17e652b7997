import Foundation
import StrataStore

/// What one poll of a group hands out, decided from the group's rows and the log alone (a pure
/// function of its inputs, tested without a store).
///
/// Expired leases come first, in log order: each goes out again, or is parked once it has had
/// `maxDeliveries`. Then the events the group left waiting (their stream was busy), in log order,
/// and then the log after the last event looked at. A stream with a lease (in flight or waiting
/// to go out again) or an earlier waiting event gets nothing more meanwhile, so each stream is
/// handled in order; other streams' events go out past it. Each event of the log is read by the
/// scan once: what it leaves behind is remembered as waiting (position and stream), at most
/// `lookahead` of them.
struct Dispatcher {
    var settings: GroupSettings
    /// The last position the scan has looked at.
    var scanned: UInt64
    /// Matching events at or below `scanned` not yet handed out, in log order.
    var waiting: [WaitingEvent]
    /// The group's leases, in position order.
    var leases: [Lease]
    var now: Int64
    var consumer: String
    var max: Int
    /// The most events a group leaves waiting; the scan stops there until some go out.
    var lookahead = 1_024
    /// The most events one poll reads from the log.
    var readLimit = 10_000
    /// A fresh lease token.
    var makeToken: () -> String

    /// One delivery: the lease as it now is, and its event.
    struct Delivery {
        var lease: Lease
        var event: RecordedEvent
    }

    /// The poll's outcome: what to write and what to answer.
    struct Plan {
        var deliveries: [Delivery] = []
        /// Expired leases past their deliveries: removed, and parked with these messages.
        var parked: [ParkedMessage] = []
        /// Leases whose event no longer exists: removed.
        var dropped: [UInt64] = []
        var scanned: UInt64
        var waiting: [WaitingEvent] = []
        /// The lowest position still leased after the poll, if any.
        var lowestLease: UInt64?

        /// Everything at or below it has been handed out or settled: below the first waiting event.
        var frontier: UInt64 { GroupRecord.frontier(scanned: scanned, waiting: waiting) }

        /// The group's position after the poll: everything at or below it is handled.
        var position: UInt64 { GroupRecord.position(frontier: frontier, lowestLease: lowestLease) }
    }

    /// Decides the poll. `event(at:)` reads one event; `events(after:)` a page of the log in order.
    func plan(event: (UInt64) throws -> RecordedEvent?, events: (UInt64) throws -> [RecordedEvent]) throws -> Plan {
        var plan = Plan(scanned: scanned)
        var remaining: [UInt64: Lease] = Dictionary(uniqueKeysWithValues: leases.map { ($0.position, $0) })
        // Streams with an event in flight; expired leases of other streams may go out again.
        var busy = Set(leases.filter { $0.isInFlight(at: now) }.map(\.streamId))
        for lease in leases where !lease.isInFlight(at: now) && plan.deliveries.count < max {
            guard !busy.contains(lease.streamId) else { continue }
            guard let found = try event(lease.position) else {
                plan.dropped.append(lease.position)
                remaining[lease.position] = nil
                continue
            }
            if lease.deliveries >= settings.maxDeliveries {
                plan.parked.append(ParkedMessage(
                    position: lease.position, streamId: lease.streamId, type: found.type,
                    reason: "not acknowledged after \(lease.deliveries) deliveries", deliveries: lease.deliveries,
                    parkedAt: Date(timeIntervalSince1970: Double(now) / 1000)
                ))
                remaining[lease.position] = nil
                continue
            }
            let again = deliver(position: lease.position, streamId: lease.streamId, deliveries: lease.deliveries + 1)
            plan.deliveries.append(Delivery(lease: again, event: found))
            remaining[lease.position] = again
            busy.insert(lease.streamId)
        }
        // A stream with any lease left, in flight or waiting, takes nothing new; nor does one with
        // an earlier event still waiting.
        var blocked = Set(remaining.values.map(\.streamId))
        for entry in waiting {
            guard !blocked.contains(entry.streamId), plan.deliveries.count < max else {
                plan.waiting.append(entry)
                blocked.insert(entry.streamId)
                continue
            }
            guard let found = try event(entry.position) else { continue }
            let lease = deliver(position: found.position, streamId: found.streamId, deliveries: 1)
            plan.deliveries.append(Delivery(lease: lease, event: found))
            remaining[found.position] = lease
            blocked.insert(found.streamId)
        }
        var read = 0
        scanning: while plan.deliveries.count < max && plan.waiting.count < lookahead && read < readLimit {
            let page = try events(plan.scanned)
            guard !page.isEmpty else { break }
            for found in page {
                read += 1
                if settings.matches(type: found.type, streamId: found.streamId) {
                    if blocked.contains(found.streamId) {
                        plan.waiting.append(WaitingEvent(position: found.position, streamId: found.streamId))
                    } else if plan.deliveries.count < max {
                        let lease = deliver(position: found.position, streamId: found.streamId, deliveries: 1)
                        plan.deliveries.append(Delivery(lease: lease, event: found))
                        remaining[found.position] = lease
                        blocked.insert(found.streamId)
                    } else {
                        break scanning
                    }
                }
                plan.scanned = found.position
                if plan.deliveries.count >= max || plan.waiting.count >= lookahead || read >= readLimit { break scanning }
            }
        }
        plan.lowestLease = remaining.keys.min()
        return plan
    }

    /// The events ``plan(event:events:)`` will most likely read one at a time — the expired
    /// leases of streams with nothing in flight, and the first waiting event of each stream left
    /// with no lease (one to be parked leaves its stream), at most `max` of each — so that a store
    /// where each read is a round trip reads them together first.
    func likelyReads() -> [UInt64] {
        let inFlight = Set(leases.filter { $0.isInFlight(at: now) }.map(\.streamId))
        let expired = leases.filter { !$0.isInFlight(at: now) && !inFlight.contains($0.streamId) }.prefix(max)
        let parked = Set(expired.filter { $0.deliveries >= settings.maxDeliveries }.map(\.position))
        var blocked = Set(leases.filter { !parked.contains($0.position) }.map(\.streamId))
        var freed: [UInt64] = []
        for entry in waiting where freed.count < max && blocked.insert(entry.streamId).inserted {
            freed.append(entry.position)
        }
        return expired.map(\.position) + freed
    }

    private func deliver(position: UInt64, streamId: String, deliveries: Int) -> Lease {
        Lease(
            position: position, streamId: streamId, consumer: consumer, token: makeToken(),
            deliveries: deliveries, deadline: now + Int64(settings.ackTimeoutSeconds) * 1000
        )
    }
}
