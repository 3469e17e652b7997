import Foundation
import StrataLog
import StrataStore
import StrataTestSupport

/// Opens a log in a fresh temporary directory, runs `body`, then closes and removes it.
func withTemporaryLog<T>(
    configuration: EventLogConfiguration = EventLogConfiguration(),
    _ body: (EventLog, TemporaryDirectory) async throws -> T
) async throws -> T {
    let directory = TemporaryDirectory("log")
    defer { directory.remove() }
    let log = try EventLog.open(directory: directory.path, configuration: configuration)
    defer { log.close() }
    return try await body(log, directory)
}

/// LMDB's `EventLog` for the store contract: each store in a fresh temporary directory.
struct LMDBHarness: StoreHarness {
    func withFreshStore(_ body: (any EventStore) async throws -> Void) async throws {
        try await withTemporaryLog { log, _ in try await body(log) }
    }

    func withReopenableStore(_ body: (_ open: () async throws -> any EventStore) async throws -> Void) async throws {
        let directory = TemporaryDirectory("log")
        defer { directory.remove() }
        try await body { try EventLog.open(directory: directory.path) }
    }

    func isConsistent(_ store: any EventStore) throws -> Bool {
        guard let log = store as? EventLog else { return false }
        return try log.verify().isClean
    }
}
