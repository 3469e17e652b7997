import Foundation
import StrataKit
import StrataLog
import StrataStore
import StrataTestSupport
import Testing

@Suite struct IdempotencyTests {
    @Test func theRecordIsWrittenWithTheEventsAndExpires() async throws {
        let directory = TestStorePlace()
        defer { directory.remove() }
        let log = try directory.open()
        defer { log.close() }
        let store = IdempotencyStore(store: log)
        let executor = CommandExecutor(log: log, registry: try kitRegistry(), hasher: testHasher)
        let record = store.record(requestHash: "h", answer: Array("{}".utf8), position: 1)
        _ = try await executor.execute(
            metadata: EventMetadata(),
            followUp: CommandFollowUp { _, transaction in try store.store(record, user: "u1", key: "k1", in: transaction) }
        ) { context in
            try context.append([Added(counter: "c", amount: 1)], to: Counter.self, id: "c")
        }
        let found = try #require(try log.withSnapshot { try store.lookup(user: "u1", key: "k1", in: $0) })
        #expect(found.answer == record.answer && found.requestHash == "h" && found.position == 1)
        #expect(abs(found.expiresAt.timeIntervalSince(record.expiresAt)) < 0.002)
        #expect(try log.withSnapshot { try store.lookup(user: "u2", key: "k1", in: $0) } == nil)
        // Refused work stores nothing.
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            _ = try await executor.execute(
                metadata: EventMetadata(),
                followUp: CommandFollowUp { _, transaction in
                    try store.store(record, user: "u1", key: "k2", in: transaction)
                    throw Refused()
                }
            ) { context in
                try context.append([Added(counter: "c", amount: 1)], to: Counter.self, id: "c")
            }
        }
        #expect(try log.withSnapshot { try store.lookup(user: "u1", key: "k2", in: $0) } == nil)
        #expect(try log.readStream("counter-c").count == 1)
        let later = Date().addingTimeInterval(25 * 3600)
        #expect(try log.withSnapshot { try store.lookup(user: "u1", key: "k1", in: $0, now: later) } == nil)
        #expect(try await store.purgeExpired(now: later) == 1)
    }

    @Test func aClaimStoresItsAnswerWithTheEventsAndIsTakenOnlyOnce() async throws {
        let directory = TestStorePlace()
        defer { directory.remove() }
        let log = try directory.open()
        defer { log.close() }
        let store = IdempotencyStore(store: log)
        let executor = CommandExecutor(log: log, registry: try kitRegistry(), hasher: testHasher)
        let claim = IdempotencyClaim(store: store, user: "u1", key: "k", requestHash: "h")
        let secret = Array("a secret answer".utf8)
        let stake = CommandFollowUp { position, transaction in try claim.stake(answer: secret, position: position, in: transaction) }
        let result = try await executor.execute(metadata: EventMetadata(), followUp: stake) { context in
            try context.append([Added(counter: "c", amount: 1)], to: Counter.self, id: "c")
        }
        let staked = try #require(try log.withSnapshot { try store.lookup(user: "u1", key: "k", in: $0) })
        #expect(staked.answer == secret && staked.position == result.position && staked.requestHash == "h")
        // A second command under the same key appends nothing.
        await #expect(throws: IdempotencyError.keyInUse) {
            _ = try await executor.execute(metadata: EventMetadata(), followUp: stake) { context in
                try context.append([Added(counter: "c", amount: 1)], to: Counter.self, id: "c")
            }
        }
        #expect(try log.readStream("counter-c").count == 1)
        // The answer is sealed at rest.
        let raw = try directory.storedBytes()
        #expect(raw.range(of: Data(secret)) == nil)
    }

    @Test func aDecisionTakenOnTheWriterStakesOnce() async throws {
        let directory = TestStorePlace()
        defer { directory.remove() }
        let log = try directory.open()
        defer { log.close() }
        let store = IdempotencyStore(store: log)
        // No optimistic attempts: the decision and the follow-up run in the writer's transaction.
        let executor = CommandExecutor(log: log, registry: try kitRegistry(), hasher: testHasher, optimisticAttempts: 0)
        let claim = IdempotencyClaim(store: store, user: "u1", key: "k", requestHash: "h")
        let stake = CommandFollowUp { position, transaction in try claim.stake(answer: [1], position: position, in: transaction) }
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    (try? await executor.execute(metadata: EventMetadata(), followUp: stake) { context in
                        try context.append([Added(counter: "c", amount: 1)], to: Counter.self, id: "c")
                    }) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(try log.readStream("counter-c").count == 1)
    }
}
