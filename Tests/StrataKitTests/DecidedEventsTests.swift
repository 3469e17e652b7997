import Foundation
import StrataKit
import StrataLog
import StrataStore
import StrataTestSupport
import Testing

/// An event whose stored form cannot be decoded: whatever reaches a projection as it was
/// decided was not decoded.
struct Undecodable: Event {
    static let eventType = "Undecodable"
    var counter: String
    var amount: Int

    init(counter: String, amount: Int) {
        self.counter = counter
        self.amount = amount
    }

    struct Refused: Error {}

    init(from decoder: any Decoder) throws { throw Refused() }
}

/// Sums `Undecodable` amounts per counter, inline or async.
struct UndecodableTotals: Projection {
    let name = "undecodable"
    let version = 1
    let mode: ProjectionMode
    let eventTypes: Set<String> = [Undecodable.eventType]
    let tables: [ReadModelTable] = ["totals"]
    let views: Set<ViewName> = []

    func apply(_ envelope: Envelope, to store: ProjectionStore) throws {
        guard let event = envelope.event as? Undecodable else { return }
        let key = Array(event.counter.utf8)
        try store.put((try store.get(Int.self, "totals", key: key) ?? 0) + event.amount, "totals", key: key)
    }
}

/// A command's events reach the projections as the command decided them, passed by the executor:
/// the store's hook, which would decode them, stays out of its appends.
@Suite struct DecidedEventsTests {
    @Test func inlineProjectionsGetTheEventsAsDecidedOnEitherPath() async throws {
        let place = TestStorePlace()
        defer { place.remove() }
        let log = try place.open()
        defer { log.close() }
        var registry = try kitRegistry()
        try registry.register(Undecodable.self)
        let inline = UndecodableTotals(mode: .inline)
        let totals = TotalsProjection(mode: .inline)
        let runner = try ProjectionRunner(log: log, registry: registry, projections: [inline, totals])
        try await runner.start()
        let executor = CommandExecutor(log: log, registry: registry, hasher: testHasher, projections: runner)
        for amount in [2, 3] {
            // A new stream each time: folding one that holds an Undecodable would decode it.
            _ = try await executor.execute(metadata: EventMetadata()) { context in
                _ = context.startNew(Counter.self, id: "u\(amount)")
                try context.append([Undecodable(counter: "u", amount: amount), Added(counter: "u", amount: amount)], to: Counter.self, id: "u\(amount)")
            }
        }
        #expect(try runner.read("undecodable") { try $0.get(Int.self, "totals", key: Array("u".utf8)) } == 5)
        // Applied once each: the hook did not apply them a second time.
        #expect(totals.applied.load(ordering: .relaxed) == 2)
        #expect(try total(runner, "u") == 5)
        // Decided on the writer, the same.
        let onTheWriter = CommandExecutor(log: log, registry: registry, hasher: testHasher, projections: runner, optimisticAttempts: 0)
        _ = try await onTheWriter.execute(metadata: EventMetadata()) { context in
            _ = context.startNew(Counter.self, id: "u10")
            try context.append([Undecodable(counter: "u", amount: 10)], to: Counter.self, id: "u10")
        }
        #expect(try runner.read("undecodable") { try $0.get(Int.self, "totals", key: Array("u".utf8)) } == 15)
        // An append the executor did not decide goes through the hook, which must decode: refused.
        let raw = try registry.encode(Undecodable(counter: "u", amount: 1), metadata: EventMetadata())
        await #expect(throws: Undecodable.Refused.self) {
            _ = try await log.append(AppendRequest(streamId: "counter-raw", expectedVersion: .any, events: [raw]))
        }
        await runner.stop()
    }

    @Test func anAsyncProjectionTakesThisProcesssCommittedEvents() async throws {
        let place = TestStorePlace()
        defer { place.remove() }
        let log = try place.open()
        defer { log.close() }
        var registry = try kitRegistry()
        try registry.register(Undecodable.self)
        // It would fail to decode them from the log: it takes them as this process committed them.
        let follower = try ProjectionRunner(log: log, registry: registry, projections: [UndecodableTotals(mode: .async)])
        try await follower.start()
        let followed = CommandExecutor(log: log, registry: registry, hasher: testHasher, projections: follower)
        let result = try await followed.execute(metadata: EventMetadata()) { context in
            _ = context.startNew(Counter.self, id: "v")
            try context.append([Undecodable(counter: "v", amount: 7)], to: Counter.self, id: "v")
        }
        #expect(await follower.waitUntil("undecodable", reaches: result.position, timeout: .seconds(10)))
        #expect(try follower.read("undecodable") { try $0.get(Int.self, "totals", key: Array("v".utf8)) } == 7)
        await follower.stop()
    }
}
