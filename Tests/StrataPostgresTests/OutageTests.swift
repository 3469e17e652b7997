import Foundation
import StrataPostgres
import StrataStore
import StrataTestSupport
import Testing

/// The database going away under a running store, and coming back.
@Suite(.enabled(if: PostgresTestServer.isAvailable, "needs tools/with_postgres.sh"))
struct OutageTests {
    /// Every connection cut (as a failover or a restarted pooler does): appends fail with
    /// `unavailable` at most until the store has reconnected, nothing acknowledged is lost.
    @Test func cutConnectionsAreReplacedAndNothingAcknowledgedIsLost() async throws {
        try await PostgresTestServer.withDatabase { url in
            let store = try PostgresEventStore.open(url: url)
            defer { store.close() }
            for _ in 0..<10 { _ = try await store.append(AppendRequest(streamId: "s", expectedVersion: .any, events: [event()])) }
            try terminateConnections(to: url)
            var acknowledged = 10
            var refused = 0
            for _ in 0..<20 {
                do {
                    _ = try await store.append(AppendRequest(streamId: "s", expectedVersion: .any, events: [event()]))
                    acknowledged += 1
                } catch let error as EventStoreError where error.code == .unavailable {
                    refused += 1
                }
            }
            #expect(refused <= 1)
            #expect(acknowledged >= 29)
            #expect(try store.readStream("s").count == acknowledged)
            #expect(try store.verify().isClean)
        }
    }

    /// The database stopped: appends and reads fail with `unavailable`, the store reports itself
    /// unreachable; started again, it recovers by itself.
    @Test func aStoppedDatabaseIsUnavailableUntilItReturns() async throws {
        let cluster = try PrivateCluster()
        defer { cluster.remove() }
        let store = try PostgresEventStore.open(url: cluster.url, configuration: PostgresStoreConfiguration(pollInterval: .milliseconds(200)))
        defer { store.close() }
        _ = try await store.append(AppendRequest(streamId: "s", expectedVersion: .any, events: [event()]))
        try cluster.stop()
        let append = await outcome { try await store.append(AppendRequest(streamId: "s", expectedVersion: .any, events: [event()])) }
        #expect((append.failure as? EventStoreError)?.code == .unavailable)
        #expect(throws: EventStoreError.self) { try store.readStream("s") }
        #expect(await eventually { !store.isReachable })
        try cluster.start()
        #expect(await eventually { store.isReachable })
        var appended = false
        for _ in 0..<50 where !appended {
            appended = (try? await store.append(AppendRequest(streamId: "s", expectedVersion: .any, events: [event()]))) != nil
            if !appended { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(appended)
        #expect(try store.readStream("s").count == 2)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

/// Whether `condition` holds within ten seconds.
func eventually(_ condition: () -> Bool) async -> Bool {
    for _ in 0..<200 {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return condition()
}

/// Cuts every other session of `url`'s database.
func terminateConnections(to url: PostgresURL) throws {
    guard let server = PostgresTestServer.url else { throw PostgresTestUnavailable() }
    try PostgresDatabases.terminateSessions(of: url.database, on: server)
}
