import Foundation
import StrataKit
import StrataLog
import StrataStore
import StrataTestSupport
import Testing

@Suite struct RegistryTests {
    @Test func duplicatesAreRefused() throws {
        var registry = try kitRegistry()
        #expect(throws: EventRegistryError.self) { try registry.register(Added.self) }
        #expect(throws: EventRegistryError.self) { try registry.upcast(from: "Added", to: "Other") { _ in } }
    }

    struct PriceSet: Event, Hashable {
        static let eventType = "PriceSet.v2"
        var productId: String
        var priceCents: Int
    }

    @Test func upcasterTurnsAnOldShapeIntoTheCurrentOne() async throws {
        let directory = TestStorePlace()
        defer { directory.remove() }
        let log = try directory.open()
        defer { log.close() }
        // An event stored by an older version: decimal dollars under "price", wire name "PriceSet".
        _ = try await log.append(
            AppendRequest(
                streamId: "product-1",
                expectedVersion: .any,
                events: [EventData(type: "PriceSet", data: Array(#"{"price":12.5,"productId":"p1"}"#.utf8))]
            )
        )
        var registry = EventRegistry()
        try registry.register(PriceSet.self)
        try registry.upcast(from: "PriceSet", to: "PriceSet.v2") { document in
            guard case .number(let dollars)? = document["price"] else { return }
            document["priceCents"] = .integer(Int64((dollars * 100).rounded()))
            document["price"] = nil
        }
        let envelope = try registry.decode(try #require(try log.event(at: 1)))
        #expect(envelope.type == "PriceSet.v2")
        #expect(envelope.event as? PriceSet == PriceSet(productId: "p1", priceCents: 1250))
        #expect(registry.currentType(of: "PriceSet") == "PriceSet.v2")
    }
}

@Suite struct CommandExecutorTests {
    private func withExecutor(attempts: Int = 3, _ body: (CommandExecutor, any EventStore) async throws -> Void) async throws {
        let directory = TestStorePlace()
        defer { directory.remove() }
        let log = try directory.open()
        defer { log.close() }
        try await body(CommandExecutor(log: log, registry: try kitRegistry(), hasher: testHasher, optimisticAttempts: attempts), log)
    }

    @Test func contentionIsDecidedOnTheWriterNeverAnError() async throws {
        try await withExecutor(attempts: 1) { executor, log in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<64 { group.addTask { _ = try await add(executor, "hot", 1) } }
                try await group.waitForAll()
            }
            let events = try log.readStream("counter-hot")
            #expect(events.count == 64)
            #expect(events.map(\.streamVersion) == Array(1...64))
            let state = try log.withSnapshot { snapshot in
                try Counter.folding(snapshot.readStream("counter-hot").map { try executor.registry.decode($0).event })
            }
            #expect(state.value == 64)
        }
    }

    @Test func metadataTravelsWithTheEvents() async throws {
        try await withExecutor { executor, log in
            let result = try await executor.execute(metadata: EventMetadata(correlationId: "req-1", causationId: "req-1", userId: "u1")) { context in
                try context.append([Added(counter: "c", amount: 2)], to: Counter.self, id: "c")
            }
            #expect(result.position == 1)
            let envelope = try executor.registry.decode(try #require(try log.event(at: 1)))
            #expect(envelope.metadata == EventMetadata(correlationId: "req-1", causationId: "req-1", userId: "u1"))
            // Metadata that does not decode is an error, never silently empty.
            var broken = try #require(try log.event(at: 1))
            broken.metadata = Array("not json".utf8)
            #expect(throws: EventRegistryError.self) { try executor.registry.decode(broken) }
        }
    }

    @Test func aDecisionThatAddsNothingAppendsNothing() async throws {
        try await withExecutor { executor, log in
            let result = try await executor.execute(metadata: EventMetadata()) { context in
                _ = try context.load(Counter.self, id: "c")
                return 42
            }
            #expect(result.value == 42 && result.append == nil)
            #expect(try log.headPosition() == 0)
        }
    }

    @Test func uniqueValuesAreReservedOnceUnderAKeyedHash() async throws {
        try await withExecutor(attempts: 1) { executor, log in
            let email = UniqueValue(kind: "email", value: "ann@example.com")
            let outcomes = await withTaskGroup(of: Bool.self) { group in
                for owner in 0..<20 {
                    group.addTask {
                        do {
                            _ = try await executor.execute(metadata: EventMetadata()) { context in try context.reserve(email, for: "u\(owner)") }
                            return true
                        } catch is UniqueValueTaken {
                            return false
                        } catch {
                            return false
                        }
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1)
            let streams = try log.withSnapshot { try $0.streams() }.map(\.streamId)
            #expect(streams == [testHasher.streamId(for: email)])
            #expect(!streams[0].contains("ann"))
            // Released, it can be taken again.
            let holder = try #require(try await executor.execute(metadata: EventMetadata()) { try $0.holder(of: email) }.value)
            _ = try await executor.execute(metadata: EventMetadata()) { try $0.release(email, from: holder) }
            _ = try await executor.execute(metadata: EventMetadata()) { try $0.reserve(email, for: "someone-else") }
        }
    }
}
