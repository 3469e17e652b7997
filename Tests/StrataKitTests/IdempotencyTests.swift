import Foundation
import StrataKit
import StrataLog
import StrataStore
import StrataTestSupport
import Testing

@Suite struct IdempotencyTests {
    @Test func theRecordIsWrittenWithTheEventsAndExpires() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let log = try EventLog.open(directory: directory.path)
        defer { log.close() }
        let store = IdempotencyStore(store: log)
        let executor = CommandExecutor(log: log, registry: try kitRegistry(), hasher: testHasher)
        let record = store.record(requestHash: "h", status: 201, headers: ["Strata-Position": "1"], body: Array("{}".utf8), position: 1)
        _ = try await executor.execute(
            metadata: EventMetadata(),
            afterAppend: { _, _, transaction in
                try store.store(record, user: "u1", key: "k1", in: transaction)
            }
        ) { context in
            try context.append([Added(counter: "c", amount: 1)], to: Counter.self, id: "c")
        }
        let found = try #require(try log.withSnapshot { try store.lookup(user: "u1", key: "k1", in: $0) })
        #expect(found.status == 201 && found.body == record.body && found.headers == record.headers && found.requestHash == "h")
        #expect(abs(found.expiresAt.timeIntervalSince(record.expiresAt)) < 0.002)
        #expect(try log.withSnapshot { try store.lookup(user: "u2", key: "k1", in: $0) } == nil)
        // Refused work stores nothing.
        struct Refused: Error {}
        await #expect(throws: Refused.self) {
            _ = try await executor.execute(
                metadata: EventMetadata(),
                afterAppend: { _, _, transaction in
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

    @Test func aClaimIsStakedWithTheEventsAndTakenOnlyOnce() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let log = try EventLog.open(directory: directory.path)
        defer { log.close() }
        let store = IdempotencyStore(store: log)
        let executor = CommandExecutor(log: log, registry: try kitRegistry(), hasher: testHasher)
        let claim = IdempotencyClaim(store: store, user: "u1", key: "k", requestHash: "h")
        let result = try await IdempotencyClaim.$current.withValue(claim) {
            try await executor.execute(metadata: EventMetadata()) { context in
                try context.append([Added(counter: "c", amount: 1)], to: Counter.self, id: "c")
            }
        }
        let staked = try #require(try log.withSnapshot { try store.lookup(user: "u1", key: "k", in: $0) })
        #expect(staked.isClaim && staked.position == result.position && staked.requestHash == "h")
        // A second command under the same key appends nothing.
        await #expect(throws: IdempotencyError.keyInUse) {
            _ = try await IdempotencyClaim.$current.withValue(claim) {
                try await executor.execute(metadata: EventMetadata()) { context in
                    try context.append([Added(counter: "c", amount: 1)], to: Counter.self, id: "c")
                }
            }
        }
        #expect(try log.readStream("counter-c").count == 1)
        // The answer replaces the claim; its body is sealed at rest.
        let secret = Array("a secret answer".utf8)
        try await store.complete(store.record(requestHash: "h", status: 201, headers: [:], body: secret, position: result.position), user: "u1", key: "k")
        let answered = try #require(try log.withSnapshot { try store.lookup(user: "u1", key: "k", in: $0) })
        #expect(!answered.isClaim && answered.body == secret)
        let raw = try Data(contentsOf: URL(fileURLWithPath: directory.path + "/data.mdb"))
        #expect(raw.range(of: Data(secret)) == nil)
    }
}
