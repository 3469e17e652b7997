import Foundation
import StrataStore

/// What one poll of a group hands out, decided from the group's rows and the log alone (a pure
/// function of its inputs, tested without a store).
///
/// Expired leases come first, in log order: each goes out again, or is parked once it has had
/// `maxDeliveries`. Then the log is read on from the frontier. A stream with a lease (in flight
/// or waiting) gets nothing more until that lease is settled, so each stream is handled in order;
/// the scan goes past such a stream's events to other streams' (at most `lookahead` events), but
/// the frontier stops at the first event it had to leave.
struct Dispatcher {
    var settings: GroupSettings
    /// The group's cursor before the poll.
    var frontier: UInt64
    /// The group's leases, in position order.
    var leases: [Lease]
    /// Positions above the frontier already handled or parked.
    var settledAhead: Set<UInt64>
    var now: Int64
    var consumer: String
    var max: Int
    /// The most events one poll reads past the frontier looking for free streams.
    var lookahead = 1_024
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
        var frontier: UInt64
        /// The lowest position still leased after the poll, if any.
        var lowestLease: UInt64?

        /// The group's position after the poll: everything at or below it is handled.
        var position: UInt64 {
            guard let lowestLease else { return frontier }
            return min(frontier, lowestLease - 1)
        }
    }

    /// Decides the poll. `event(at:)` reads one event; `events(after:)` a page of the log in order.
    func plan(event: (UInt64) throws -> RecordedEvent?, events: (UInt64) throws -> [RecordedEvent]) throws -> Plan {
        var plan = Plan(frontier: frontier)
        var remaining: [UInt64: Lease] = Dictionary(uniqueKeysWithValues: leases.map { ($0.position, $0) })
        // Streams with an event in flight; expired leases of other streams may go out again.
        var settledAhead = self.settledAhead
        var busy = Set(leases.filter { $0.isInFlight(at: now) }.map(\.streamId))
        for lease in leases where !lease.isInFlight(at: now) && plan.deliveries.count < max {
            guard !busy.contains(lease.streamId) else { continue }
            guard let found = try event(lease.position) else {
                plan.dropped.append(lease.position)
                settledAhead.insert(lease.position)
                remaining[lease.position] = nil
                continue
            }
            if lease.deliveries >= settings.maxDeliveries {
                plan.parked.append(ParkedMessage(
                    position: lease.position, streamId: lease.streamId, type: found.type,
                    reason: "not acknowledged after \(lease.deliveries) deliveries", deliveries: lease.deliveries,
                    parkedAt: Date(timeIntervalSince1970: Double(now) / 1000)
                ))
                settledAhead.insert(lease.position)
                remaining[lease.position] = nil
                continue
            }
            let again = deliver(position: lease.position, streamId: lease.streamId, deliveries: lease.deliveries + 1)
            plan.deliveries.append(Delivery(lease: again, event: found))
            remaining[lease.position] = again
            busy.insert(lease.streamId)
        }
        // A stream with any lease left, in flight or waiting, takes nothing new.
        var blocked = Set(remaining.values.map(\.streamId))
        var cursor = frontier
        var scanned = 0
        var frontierHeld = false
        scanning: while plan.deliveries.count < max && scanned < lookahead {
            let page = try events(cursor)
            guard !page.isEmpty else { break }
            for found in page {
                cursor = found.position
                scanned += 1
                var settled = true
                if !settings.matches(type: found.type, streamId: found.streamId) || settledAhead.contains(found.position) || remaining[found.position] != nil {
                    settled = true
                } else if blocked.contains(found.streamId) {
                    settled = false
                } else if plan.deliveries.count < max {
                    let lease = deliver(position: found.position, streamId: found.streamId, deliveries: 1)
                    plan.deliveries.append(Delivery(lease: lease, event: found))
                    remaining[found.position] = lease
                    blocked.insert(found.streamId)
                } else {
                    break scanning
                }
                if settled && !frontierHeld {
                    plan.frontier = found.position
                } else if !settled {
                    frontierHeld = true
                }
                if plan.deliveries.count >= max || scanned >= lookahead { break scanning }
            }
        }
        plan.lowestLease = remaining.keys.min()
        return plan
    }

    private func deliver(position: UInt64, streamId: String, deliveries: Int) -> Lease {
        Lease(
            position: position, streamId: streamId, consumer: consumer, token: makeToken(),
            deliveries: deliveries, deadline: now + Int64(settings.ackTimeoutSeconds) * 1000
        )
    }
}
