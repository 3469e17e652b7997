import StrataPostgres
import StrataStore
import StrataTestSupport

/// PostgreSQL's store for the store contract: each store in a database of its own.
struct PostgresHarness: StoreHarness {
    func withFreshStore(_ body: (any EventStore) async throws -> Void) async throws {
        try await PostgresTestServer.withDatabase { url in
            let store = try PostgresEventStore.open(url: url)
            do {
                try await body(store)
            } catch {
                store.close()
                throw error
            }
            store.close()
        }
    }

    func withReopenableStore(_ body: (_ open: () async throws -> any EventStore) async throws -> Void) async throws {
        try await PostgresTestServer.withDatabase { url in
            try await body { try PostgresEventStore.open(url: url) }
        }
    }

    func isConsistent(_ store: any EventStore) throws -> Bool {
        guard let store = store as? PostgresEventStore else { return false }
        return try store.verify().isClean
    }
}
