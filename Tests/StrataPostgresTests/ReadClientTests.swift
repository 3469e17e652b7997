import Foundation
import StrataPostgres
import StrataStore
import StrataTestSupport
import Testing

/// Reads lease their connections from the store's one `PostgresClient`: a key looked up inside a
/// snapshot takes a second connection, so many snapshots at once, each looking one up, all answer.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs tools/with_postgres.sh"))
struct ReadClientTests {
    @Test func keysLookedUpInsideManySnapshotsAtOnceAllAnswer() async throws {
        try await PostgresTestServer.withDatabase { url in
            let store = try PostgresEventStore.open(url: url)
            defer { store.close() }
            let keys = PostgresKeyStore(store: store)
            for index in 0..<8 { try await keys.createKey(for: "subject-\(index)") }
            _ = try await store.append(AppendRequest(streamId: "s", expectedVersion: .noStream, events: [EventData(type: "E", data: Array("{}".utf8))]))
            let answered = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<64 {
                    group.addTask {
                        try await store.offload {
                            try store.withSnapshot { snapshot in
                                let event = try snapshot.event(at: 1)
                                // Past the vault's cache: a round trip on a connection of its own.
                                let key = try keys.backing.read("subject-\(index % 8)")
                                return event != nil && key?.count == 32
                            }
                        }
                    }
                }
                var all = 0
                for try await ok in group where ok { all += 1 }
                return all
            }
            #expect(answered == 64)
        }
    }

    @Test func aClosedStoreRefusesReadsAtOnce() async throws {
        try await PostgresTestServer.withDatabase { url in
            let store = try PostgresEventStore.open(url: url)
            store.close()
            let started = Date()
            #expect(throws: EventStoreError.self) { try store.withSnapshot { try $0.headPosition() } }
            #expect(Date().timeIntervalSince(started) < 1)
        }
    }
}
