import Foundation
import StrataPostgres
import StrataStore

/// The throwaway PostgreSQL cluster `tools/with_postgres.sh` started (`make test` runs every
/// test beside one), and fresh databases in it.
public enum PostgresTestServer {
    /// The maintenance database's URL, or `nil` when no cluster was started.
    public static let url: PostgresURL? = ProcessInfo.processInfo.environment["STRATA_TEST_POSTGRES_URL"].flatMap { try? PostgresURL($0) }

    /// Whether tests on PostgreSQL can run.
    public static var isAvailable: Bool { url != nil }

    /// The database `name` in the test cluster, made when it is not there yet (a restarted server
    /// finds its data again).
    public static func database(named name: String) throws -> PostgresURL {
        guard let url else { throw PostgresTestUnavailable() }
        try? PostgresDatabases.create(name, on: url)
        return url.database(name)
    }

    /// Makes an empty database, runs `body` with its URL, then drops it.
    public static func withDatabase<T>(_ body: (PostgresURL) async throws -> T) async throws -> T {
        guard let url else { throw PostgresTestUnavailable() }
        let name = "strata_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try PostgresDatabases.create(String(name), on: url)
        do {
            let value = try await body(url.database(String(name)))
            try? PostgresDatabases.drop(String(name), on: url)
            return value
        } catch {
            try? PostgresDatabases.drop(String(name), on: url)
            throw error
        }
    }
}

/// No cluster: the test needs `tools/with_postgres.sh` (as `make test` runs it).
public struct PostgresTestUnavailable: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "STRATA_TEST_POSTGRES_URL is not set: run the tests through tools/with_postgres.sh (make test does)" }
}
