import Foundation
import StrataPostgres
import StrataStore
import StrataTestSupport
import Testing

/// The schema: made by whoever opens first, once, however many open at the same moment.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs tools/with_postgres.sh"))
struct SchemaTests {
    @Test func storesOpeningAtTheSameMomentMigrateOnceAndAllWork() async throws {
        try await PostgresTestServer.withDatabase { url in
            let stores = try await withThrowingTaskGroup(of: PostgresEventStore.self) { group in
                for _ in 0..<6 { group.addTask { try PostgresEventStore.open(url: url) } }
                return try await group.reduce(into: [PostgresEventStore]()) { $0.append($1) }
            }
            defer { for store in stores { store.close() } }
            #expect(stores.count == 6)
            for (index, store) in stores.enumerated() {
                _ = try await store.append(AppendRequest(streamId: "s", expectedVersion: .any, events: [event("Opened", #"{"n":\#(index)}"#)]))
            }
            #expect(try stores[0].readStream("s").count == 6)
            #expect(try stores[0].verify().isClean)
            // Opened again later: nothing to migrate, everything there.
            let again = try PostgresEventStore.open(url: url)
            defer { again.close() }
            #expect(try again.readStream("s").count == 6)
        }
    }

    @Test func readOnlyOpeningRefusesADatabaseWithoutAStore() async throws {
        try await PostgresTestServer.withDatabase { url in
            let error = #expect(throws: EventStoreError.self) {
                _ = try PostgresEventStore.open(url: url, configuration: PostgresStoreConfiguration(access: .readOnly))
            }
            #expect(error?.message.contains("holds no Strata store") == true)
        }
    }

    @Test func anOfflineToolAndAServerExcludeEachOther() async throws {
        try await PostgresTestServer.withDatabase { url in
            let server = try PostgresEventStore.open(url: url)
            let refused = #expect(throws: EventStoreError.self) {
                _ = try PostgresEventStore.open(url: url, configuration: PostgresStoreConfiguration(access: .exclusive))
            }
            #expect(refused?.code == .locked)
            server.close()
            let tool = try PostgresEventStore.open(url: url, configuration: PostgresStoreConfiguration(access: .exclusive))
            let blocked = #expect(throws: EventStoreError.self) { _ = try PostgresEventStore.open(url: url) }
            #expect(blocked?.code == .locked)
            tool.close()
        }
    }
}
