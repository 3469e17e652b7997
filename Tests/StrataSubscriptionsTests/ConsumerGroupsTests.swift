import Foundation
import StrataStore
import StrataSubscriptions
import StrataTestSupport
import Testing

/// Consumer groups on a real store (LMDB, or PostgreSQL with `STRATA_TEST_STORE=postgres`).
@Suite(.serialized)
struct ConsumerGroupsTests {
    @Test func aGroupIsMadeOnceAndOnlyItsTimingChanges() async throws {
        let fixture = try GroupsFixture()
        defer { fixture.close() }
        let groups = fixture.groups
        #expect(try await groups.put("mailer", settings: GroupSettings(eventTypes: ["Thing"])) == .created)
        #expect(try await groups.put("mailer", settings: GroupSettings(eventTypes: ["Thing"], ackTimeoutSeconds: 5)) == .updated)
        #expect(try await groups.status("mailer").ackTimeoutSeconds == 5)
        await #expect(throws: SubscriptionError.filterCannotChange("mailer")) {
            try await groups.put("mailer", settings: GroupSettings(eventTypes: ["Other"]))
        }
        await #expect(throws: SubscriptionError.self) { try await groups.put("Bad Name", settings: GroupSettings()) }
        await #expect(throws: SubscriptionError.self) { try await groups.put("x", settings: GroupSettings(ackTimeoutSeconds: 0, maxDeliveries: 101)) }
        try await groups.delete("mailer")
        await #expect(throws: SubscriptionError.groupNotFound("mailer")) { try await groups.status("mailer") }
    }

    @Test func acknowledgedEventsMoveThePositionAndNeverComeBack() async throws {
        let fixture = try GroupsFixture()
        defer { fixture.close() }
        let groups = fixture.groups
        try await fixture.append(["a", "b", "a"])
        _ = try await groups.put("g", settings: GroupSettings())
        let first = try await groups.poll("g", consumer: "one", max: 10)
        #expect(first.map(\.event.position) == [1, 2])
        try await groups.ack("g", ackIds: first.map(\.ackId))
        #expect(try await groups.status("g").position == 2)
        let second = try await groups.poll("g", consumer: "one", max: 10)
        #expect(second.map(\.event.position) == [3])
        try await groups.ack("g", ackIds: second.map(\.ackId))
        let status = try await groups.status("g")
        #expect(status.position == 3 && status.inFlight == 0 && status.lag == 0)
        #expect(status.consumers.map(\.consumer) == ["one"])
        fixture.advance(seconds: 60)
        #expect(try await groups.poll("g", consumer: "one", max: 10).isEmpty)
    }

    @Test func anUnknownAckIdIsNamedAndTheOthersStillCount() async throws {
        let fixture = try GroupsFixture()
        defer { fixture.close() }
        let groups = fixture.groups
        try await fixture.append(["a", "b"])
        _ = try await groups.put("g", settings: GroupSettings())
        let messages = try await groups.poll("g", consumer: "c", max: 10)
        await #expect(throws: SubscriptionError.unknownAckIds(["2-nope"])) {
            try await groups.ack("g", ackIds: [messages[0].ackId, "2-nope"])
        }
        #expect(try await groups.status("g").inFlight == 1)
        #expect(try await groups.status("g").position == 1)
    }

    @Test func anUnacknowledgedEventComesBackAfterItsTimeoutAndIsParkedAfterItsDeliveries() async throws {
        let fixture = try GroupsFixture()
        defer { fixture.close() }
        let groups = fixture.groups
        try await fixture.append(["a", "a"])
        _ = try await groups.put("g", settings: GroupSettings(ackTimeoutSeconds: 10, maxDeliveries: 2))
        let first = try await groups.poll("g", consumer: "c", max: 10)
        #expect(first.map(\.event.position) == [1])
        #expect(try await groups.poll("g", consumer: "d", max: 10).isEmpty)
        fixture.advance(seconds: 11)
        await #expect(throws: SubscriptionError.unknownAckIds([first[0].ackId])) { try await groups.ack("g", ackIds: [first[0].ackId]) }
        let again = try await groups.poll("g", consumer: "d", max: 10)
        #expect(again.map(\.event.position) == [1])
        #expect(again.first?.deliveries == 2)
        fixture.advance(seconds: 11)
        let next = try await groups.poll("g", consumer: "d", max: 10)
        #expect(next.map(\.event.position) == [2])
        let parked = try await groups.parked("g")
        #expect(parked.map(\.position) == [1])
        #expect(parked.first?.deliveries == 2)
        try await groups.ack("g", ackIds: next.map(\.ackId))
        #expect(try await groups.status("g").position == 2)
        #expect(try await groups.status("g").parked == 1)
        try await groups.replay("g", position: 1)
        #expect(try await groups.status("g").position == 0)
        let replayed = try await groups.poll("g", consumer: "d", max: 10)
        #expect(replayed.map(\.event.position) == [1])
        try await groups.ack("g", ackIds: replayed.map(\.ackId))
        let status = try await groups.status("g")
        #expect(status.position == 2 && status.parked == 0)
    }

    @Test func nackRetriesParksOrSkips() async throws {
        let fixture = try GroupsFixture()
        defer { fixture.close() }
        let groups = fixture.groups
        try await fixture.append(["a", "b", "c"])
        _ = try await groups.put("g", settings: GroupSettings())
        let messages = try await groups.poll("g", consumer: "c", max: 10)
        #expect(messages.count == 3)
        try await groups.nack("g", ackIds: [messages[0].ackId], action: .retry, reason: nil)
        try await groups.nack("g", ackIds: [messages[1].ackId], action: .park, reason: "bad address")
        try await groups.nack("g", ackIds: [messages[2].ackId], action: .skip, reason: nil)
        let retried = try await groups.poll("g", consumer: "c", max: 10)
        #expect(retried.map(\.event.position) == [1])
        #expect(retried.first?.deliveries == 2)
        #expect(try await groups.parked("g").map(\.reason) == ["bad address"])
        try await groups.ack("g", ackIds: retried.map(\.ackId))
        #expect(try await groups.status("g").position == 3)
    }

    @Test func consumersGoneQuietAreForgottenUnlessTheyHoldALease() async throws {
        let fixture = try GroupsFixture(forgetConsumersAfter: .seconds(600))
        defer { fixture.close() }
        let groups = fixture.groups
        try await fixture.append(["a"])
        _ = try await groups.put("g", settings: GroupSettings(ackTimeoutSeconds: 3600))
        #expect(try await groups.poll("g", consumer: "holder", max: 10).count == 1)
        for name in ["pod-1", "pod-2"] { _ = try await groups.poll("g", consumer: name, max: 10) }
        fixture.advance(seconds: 300)
        _ = try await groups.poll("g", consumer: "pod-3", max: 10)
        fixture.advance(seconds: 301)
        _ = try await groups.poll("g", consumer: "pod-4", max: 10)
        // pod-1 and pod-2 last polled over ten minutes ago; the holder too, but its lease is in flight.
        #expect(Set(try await groups.status("g").consumers.map(\.consumer)) == ["holder", "pod-3", "pod-4"])
        fixture.advance(seconds: 3600)
        _ = try await groups.poll("g", consumer: "pod-4", max: 10)
        // The holder's lease expired and pod-4 took the event again: the holder goes, pod-3 too.
        let consumers = try await groups.status("g").consumers
        #expect(consumers.map(\.consumer) == ["pod-4"] && consumers.first?.inFlight == 1)
    }

    @Test func aLongPollWakesWhenAnAcknowledgementFreesItsStream() async throws {
        let fixture = try GroupsFixture()
        defer { fixture.close() }
        let groups = fixture.groups
        try await fixture.append(["s", "s"])
        _ = try await groups.put("g", settings: GroupSettings())
        let first = try await groups.poll("g", consumer: "a", max: 10)
        #expect(first.map(\.event.position) == [1])
        let started = ContinuousClock.now
        async let waited = groups.poll("g", consumer: "b", max: 10, wait: .seconds(20))
        try await Task.sleep(for: .milliseconds(300))
        try await groups.ack("g", ackIds: first.map(\.ackId))
        // The second event of the stream was waiting behind a's lease: b gets it once a acknowledges.
        #expect(try await waited.map(\.event.position) == [2])
        #expect(ContinuousClock.now - started < .seconds(10), "the long poll slept out its wait")
    }

    /// Two servers sharing PostgreSQL: a long poll on one wakes when a consumer on the other
    /// acknowledges what its stream waited behind (the commit's note, heard by `follow`), not
    /// at the end of its wait.
    @Test(.enabled(if: TestStoreKind.current == .postgres))
    func aLongPollWakesWhenAnotherServerAcknowledges() async throws {
        let fixture = try GroupsFixture()
        defer { fixture.close() }
        let otherStore = try fixture.place.open()
        defer { otherStore.close() }
        let signals = GroupSignals()
        signals.follow(otherStore)
        let elsewhere = fixture.groups(on: otherStore, signals: signals)
        try await fixture.append(["s", "s"])
        _ = try await fixture.groups.put("g", settings: GroupSettings())
        let first = try await fixture.groups.poll("g", consumer: "a", max: 10)
        #expect(first.map(\.event.position) == [1])
        let started = ContinuousClock.now
        async let waited = elsewhere.poll("g", consumer: "b", max: 10, wait: .seconds(20))
        try await Task.sleep(for: .milliseconds(300))
        try await fixture.groups.ack("g", ackIds: first.map(\.ackId))
        #expect(try await waited.map(\.event.position) == [2])
        #expect(ContinuousClock.now - started < .seconds(10), "the long poll slept out its wait")
    }

    /// A long poll that waits out its time with nothing to hand out is one write transaction
    /// (the poll that found nothing), not a second one at the end of the wait.
    @Test func anIdleLongPollIsOneWrite() async throws {
        let fixture = try GroupsFixture()
        defer { fixture.close() }
        _ = try await fixture.groups.put("g", settings: GroupSettings())
        let commits = Shared(0)
        fixture.store.onCommit { report in commits.update { $0 += report.requests } }
        let started = ContinuousClock.now
        #expect(try await fixture.groups.poll("g", consumer: "c", max: 10, wait: .milliseconds(700)).isEmpty)
        #expect(ContinuousClock.now - started >= .milliseconds(700))
        #expect(commits.value == 1)
    }

    /// Deleting a group ends its long polls at once: they answer that it is gone.
    @Test func aLongPollEndsWhenItsGroupIsDeleted() async throws {
        let fixture = try GroupsFixture()
        defer { fixture.close() }
        _ = try await fixture.groups.put("g", settings: GroupSettings())
        let started = ContinuousClock.now
        let groups = fixture.groups
        let waiting = Task { try await groups.poll("g", consumer: "c", max: 10, wait: .seconds(20)) }
        try await Task.sleep(for: .milliseconds(300))
        try await groups.delete("g")
        await #expect(throws: SubscriptionError.groupNotFound("g")) { try await waiting.value }
        #expect(ContinuousClock.now - started < .seconds(10), "the long poll slept out its wait")
    }

    @Test func aGroupStartsWhereItIsToldTo() async throws {
        let fixture = try GroupsFixture()
        defer { fixture.close() }
        let groups = fixture.groups
        try await fixture.append(["a", "b", "c"])
        _ = try await groups.put("end", settings: GroupSettings(startFrom: .end))
        _ = try await groups.put("from2", settings: GroupSettings(startFrom: .position(2)))
        try await fixture.append(["d"])
        #expect(try await groups.poll("end", consumer: "c", max: 10).map(\.event.position) == [4])
        #expect(try await groups.poll("from2", consumer: "c", max: 10).map(\.event.position) == [2, 3, 4])
    }

    @Test func aLongPollWakesForANewEvent() async throws {
        let fixture = try GroupsFixture()
        defer { fixture.close() }
        let groups = fixture.groups
        _ = try await groups.put("g", settings: GroupSettings())
        let polling = Task { try await groups.poll("g", consumer: "c", max: 10, wait: .seconds(20)) }
        try await Task.sleep(for: .milliseconds(200))
        try await fixture.append(["a"])
        let messages = try await polling.value
        #expect(messages.map(\.event.position) == [1])
    }

    /// Eight consumers over 1,000 events of 20 streams: every event acknowledged exactly once,
    /// each stream's events handled in order, and no two consumers holding one stream at once.
    @Test func competingConsumersHandleEveryEventOnceAndEachStreamInOrder() async throws {
        let fixture = try GroupsFixture()
        defer { fixture.close() }
        let groups = fixture.groups
        _ = try await groups.put("g", settings: GroupSettings())
        try await fixture.append((0..<1_000).map { "s\($0 % 20)" })
        let handled = Shared<[UInt64]>([])
        let order = Shared<[String: UInt64]>([:])
        let holding = Shared<Set<String>>([])
        let faults = Shared<[String]>([])
        try await withThrowingTaskGroup(of: Void.self) { group in
            for consumer in 0..<8 {
                group.addTask {
                    var idle = 0
                    while idle < 3 {
                        let messages = try await groups.poll("g", consumer: "c\(consumer)", max: 7)
                        if messages.isEmpty { idle += 1; try await Task.sleep(for: .milliseconds(20)); continue }
                        idle = 0
                        for message in messages {
                            let stream = message.event.streamId
                            if !holding.update({ $0.insert(stream).inserted }) { faults.update { $0.append("\(stream) held twice") } }
                            let inOrder = order.update { last -> Bool in
                                defer { last[stream] = message.event.position }
                                return (last[stream] ?? 0) < message.event.position
                            }
                            if !inOrder { faults.update { $0.append("\(stream) out of order") } }
                        }
                        for message in messages { holding.update { _ = $0.remove(message.event.streamId) } }
                        handled.update { $0 += messages.map(\.event.position) }
                        try await groups.ack("g", ackIds: messages.map(\.ackId))
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(faults.value.isEmpty)
        #expect(handled.value.sorted() == Array(1...1_000))
        #expect(try await groups.status("g").position == 1_000)
    }
}
