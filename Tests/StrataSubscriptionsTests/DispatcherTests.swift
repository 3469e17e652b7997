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

    private func plan(_ events: [RecordedEvent], settings: GroupSettings = GroupSettings(), frontier: UInt64 = 0, leases: [Lease] = [], ahead: Set<UInt64> = [], now: Int64 = 1_000, max: Int = 100) throws -> Dispatcher.Plan {
        var counter = 0
        let dispatcher = Dispatcher(
            settings: settings, frontier: frontier, leases: leases, settledAhead: ahead, now: now,
            consumer: "c", max: max, makeToken: { counter += 1; return "t\(counter)" }
        )
        return try dispatcher.plan(
            event: { position in events.first { $0.position == position } },
            events: { after in Array(events.filter { $0.position > after }.prefix(2)) }
        )
    }

    @Test func oneEventPerStreamGoesOutAndTheFrontierStopsAtTheFirstLeftBehind() throws {
        let plan = try plan(log(["a", "b", "a", "c", "b"]))
        #expect(plan.deliveries.map(\.event.position) == [1, 2, 4])
        #expect(plan.frontier == 2)
        #expect(plan.position == 0)
        #expect(plan.deliveries.allSatisfy { $0.lease.deliveries == 1 && $0.lease.deadline == 1_000 + 30_000 })
    }

    @Test func aStreamWithALeaseGetsNothingNewUntilItIsSettled() throws {
        let held = Lease(position: 1, streamId: "a", consumer: "x", token: "old", deliveries: 1, deadline: 5_000)
        let plan = try plan(log(["a", "b", "a"]), frontier: 1, leases: [held])
        #expect(plan.deliveries.map(\.event.position) == [2])
        #expect(plan.frontier == 2)
        #expect(plan.position == 0)
    }

    @Test func atMostMaxGoOut() throws {
        let plan = try plan(log(["a", "b", "c", "d"]), max: 2)
        #expect(plan.deliveries.map(\.event.position) == [1, 2])
        #expect(plan.frontier == 2)
    }

    @Test func anExpiredLeaseGoesOutAgainFirstAndIsParkedAfterItsDeliveries() throws {
        let expired = Lease(position: 2, streamId: "b", consumer: "x", token: "old", deliveries: 1, deadline: 500)
        let again = try plan(log(["a", "b"]), frontier: 2, leases: [expired])
        #expect(again.deliveries.map(\.event.position) == [2])
        #expect(again.deliveries.first?.lease.deliveries == 2)
        #expect(again.deliveries.first?.lease.token != "old")
        let spent = Lease(position: 2, streamId: "b", consumer: "x", token: "old", deliveries: 5, deadline: 500)
        let parked = try plan(log(["a", "b", "b"]), frontier: 2, leases: [spent])
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

    @Test func eventsSettledAheadOfTheFrontierAreNotDeliveredAgain() throws {
        let plan = try plan(log(["a", "b", "a", "c"]), frontier: 1, leases: [Lease(position: 1, streamId: "a", consumer: "x", token: "t", deliveries: 1, deadline: 9_000)], ahead: [2])
        #expect(plan.deliveries.map(\.event.position) == [4])
        #expect(plan.frontier == 2)
    }
}
