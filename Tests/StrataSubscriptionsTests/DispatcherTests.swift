import Foundation
import StrataStore
import Testing
@testable import StrataSubscriptions

/// The dispatch decisions alone, over a log in memory: order per stream, parallel streams, the
/// frontier, redelivery and parking.
struct DispatcherTests {
    /// `streams[i]` is the stream of position i + 1.
    private func log(_ streams: [String], type: String = "E") -> [RecordedEvent] {
        streams.enumerated().map { index, stream in
            RecordedEvent(
                position: UInt64(index + 1), streamId: stream, streamVersion: 1, id: UUID(), type: type,
                recordedAt: Date(), metadata: Array("{}".utf8), data: Array("{}".utf8)
            )
        }
    }

    private func plan(
        _ events: [RecordedEvent], settings: GroupSettings = GroupSettings(), scanned: UInt64 = 0, waiting: [WaitingEvent] = [],
        leases: [Lease] = [], now: Int64 = 1_000, max: Int = 100
    ) throws -> Dispatcher.Plan {
        var counter = 0
        let dispatcher = Dispatcher(
            settings: settings, scanned: scanned, waiting: waiting, leases: leases, now: now,
            consumer: "c", max: max, makeToken: { counter += 1; return "t\(counter)" }
        )
        return try dispatcher.plan(
            event: { position in events.first { $0.position == position } },
            events: { after in Array(events.filter { $0.position > after }.prefix(2)) }
        )
    }

    /// What the plan reads one event at a time is what `likelyReads` named for reading together:
    /// expired leases going out again or parked, and waiting events whose stream came free (b's,
    /// once its lease is parked) — not the waiting events still blocked.
    @Test func theEventsReadOneByOneAreTheOnesNamedForReadingTogether() throws {
        let events = log(["a", "b", "c", "a", "b", "c", "d", "d", "e"])
        let leases = [
            Lease(position: 1, streamId: "a", consumer: "x", token: "t", deliveries: 1, deadline: 500),  // expired: again
            Lease(position: 2, streamId: "b", consumer: "x", token: "t", deliveries: 5, deadline: 500),  // expired: parked
            Lease(position: 3, streamId: "c", consumer: "x", token: "t", deliveries: 1, deadline: 5_000),  // in flight
        ]
        let waiting = [4, 5, 6, 7, 8].map { WaitingEvent(position: UInt64($0), streamId: events[$0 - 1].streamId) }
        for max in [1, 2, 100] {
            let dispatcher = Dispatcher(
                settings: GroupSettings(), scanned: 8, waiting: waiting, leases: leases, now: 1_000,
                consumer: "c", max: max, makeToken: { "t" }
            )
            var single: [UInt64] = []
            _ = try dispatcher.plan(
                event: { position in single.append(position); return events.first { $0.position == position } },
                events: { after in Array(events.filter { $0.position > after }.prefix(2)) }
            )
            let likely = dispatcher.likelyReads()
            #expect(Set(single).isSubset(of: likely), "max \(max): read \(single), named \(likely)")
            #expect(!likely.contains(4) && !likely.contains(6) && !likely.contains(8), "blocked, or behind its stream's first")
        }
    }

    @Test func oneEventPerStreamGoesOutAndTheFrontierStopsAtTheFirstLeftBehind() throws {
        let plan = try plan(log(["a", "b", "a", "c", "b"]))
        #expect(plan.deliveries.map(\.event.position) == [1, 2, 4])
        #expect(plan.waiting == [WaitingEvent(position: 3, streamId: "a"), WaitingEvent(position: 5, streamId: "b")])
        #expect(plan.scanned == 5)
        #expect(plan.frontier == 2)
        #expect(plan.position == 0)
        #expect(plan.deliveries.allSatisfy { $0.lease.deliveries == 1 && $0.lease.deadline == 1_000 + 30_000 })
    }

    @Test func aStreamWithALeaseGetsNothingNewUntilItIsSettled() throws {
        let held = Lease(position: 1, streamId: "a", consumer: "x", token: "old", deliveries: 1, deadline: 5_000)
        let plan = try plan(log(["a", "b", "a"]), scanned: 1, leases: [held])
        #expect(plan.deliveries.map(\.event.position) == [2])
        #expect(plan.waiting.map(\.position) == [3])
        #expect(plan.frontier == 2)
        #expect(plan.position == 0)
    }

    @Test func atMostMaxGoOut() throws {
        let plan = try plan(log(["a", "b", "c", "d"]), max: 2)
        #expect(plan.deliveries.map(\.event.position) == [1, 2])
        #expect(plan.scanned == 2 && plan.frontier == 2)
    }

    @Test func anExpiredLeaseGoesOutAgainFirstAndIsParkedAfterItsDeliveries() throws {
        let expired = Lease(position: 2, streamId: "b", consumer: "x", token: "old", deliveries: 1, deadline: 500)
        let again = try plan(log(["a", "b"]), scanned: 2, leases: [expired])
        #expect(again.deliveries.map(\.event.position) == [2])
        #expect(again.deliveries.first?.lease.deliveries == 2)
        #expect(again.deliveries.first?.lease.token != "old")
        let spent = Lease(position: 2, streamId: "b", consumer: "x", token: "old", deliveries: 5, deadline: 500)
        let parked = try plan(log(["a", "b", "b"]), scanned: 2, leases: [spent])
        #expect(parked.parked.map(\.position) == [2])
        #expect(parked.deliveries.map(\.event.position) == [3])
        #expect(parked.position == 2)
    }

    @Test func onlyEventsOfTheFilterGoOutAndTheOthersMoveTheFrontier() throws {
        let events = log(["order-1", "user-1", "order-2"])
        let plan = try plan(events, settings: GroupSettings(streamPrefix: "order-"))
        #expect(plan.deliveries.map(\.event.position) == [1, 3])
        #expect(plan.frontier == 3)
        let byType = try self.plan(events, settings: GroupSettings(eventTypes: ["Other"]))
        #expect(byType.deliveries.isEmpty)
        #expect(byType.frontier == 3)
        #expect(byType.position == 3)
    }

    @Test func waitingEventsGoOutInOrderOnceTheirStreamIsFreeAndTheLogIsReadOnce() throws {
        // 1 (a) is leased; 3 (a) waits; 4 (c) went out earlier and is settled.
        let held = Lease(position: 1, streamId: "a", consumer: "x", token: "t", deliveries: 1, deadline: 9_000)
        let events = log(["a", "b", "a", "c", "a", "d"])
        let still = try plan(events, scanned: 4, waiting: [WaitingEvent(position: 3, streamId: "a")], leases: [held])
        #expect(still.deliveries.map(\.event.position) == [6])
        #expect(still.waiting.map(\.position) == [3, 5])
        #expect(still.frontier == 2)
        // Once 1 is settled, 3 goes and 5 waits behind it; nothing at or below `scanned` is read again.
        var read: [UInt64] = []
        var counter = 0
        let dispatcher = Dispatcher(
            settings: GroupSettings(), scanned: 6, waiting: still.waiting, leases: [], now: 1_000,
            consumer: "c", max: 100, makeToken: { counter += 1; return "t\(counter)" }
        )
        let freed = try dispatcher.plan(
            event: { position in events.first { $0.position == position } },
            events: { after in read.append(after); return events.filter { $0.position > after } }
        )
        #expect(freed.deliveries.map(\.event.position) == [3])
        #expect(freed.waiting.map(\.position) == [5])
        #expect(freed.frontier == 4 && freed.position == 2)
        #expect(read == [6])
    }
}
