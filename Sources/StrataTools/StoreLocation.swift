import Foundation
import StrataKit
import StrataLog
import StrataPostgres
import StrataStore

/// Where the tools find the store: a data directory (LMDB, its key store in `keys/`), or the
/// PostgreSQL database of `STRATA_POSTGRES_URL` / `--postgres-url`.
public struct StoreLocation: Sendable, CustomStringConvertible {
    /// The data directory (unused when ``postgresURL`` is set).
    public let path: String
    /// The PostgreSQL database, instead of the directory.
    public let postgresURL: PostgresURL?

    public init(_ path: String, postgresURL: PostgresURL? = nil) {
        self.path = path
        self.postgresURL = postgresURL
    }

    /// The directory, or the database (without its password).
    public var description: String { postgresURL.map(\.description) ?? path }

    /// Where the LMDB key store lives.
    public var keysPath: String { (path as NSString).appendingPathComponent("keys") }

    /// Whether the directory holds an LMDB store (a database is asked when opened).
    public var hasStore: Bool {
        postgresURL != nil || FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("data.mdb"))
    }

    /// Opens the store read-only: no lock, beside running servers.
    public func openReadOnly() throws -> any EventStore {
        if let postgresURL { return try PostgresEventStore.open(url: postgresURL, configuration: PostgresStoreConfiguration(access: .readOnly)) }
        return try EventLog.openReadOnly(directory: path)
    }

    /// Opens the store for writing with no server beside it: LMDB takes the directory's lock, and
    /// PostgreSQL the database's exclusive advisory lock, so either refuses while a server runs
    /// (``EventStoreError/Code/locked``).
    public func openOffline() throws -> any EventStore {
        if let postgresURL { return try PostgresEventStore.open(url: postgresURL, configuration: PostgresStoreConfiguration(access: .exclusive)) }
        return try EventLog.open(directory: path)
    }

    /// The personal-data keys of `log`, opened here.
    public func openKeys(for log: any EventStore) throws -> any PersonalDataKeys {
        if let store = log as? PostgresEventStore { return PostgresKeyStore(store: store) }
        return try KeyStore(directory: keysPath)
    }

    /// `modules` composed over a store, not started, to ask their projections' status or rebuild
    /// them. `hasher` may be left out where no event is applied (status only).
    public static func app(
        log: any EventStore,
        keys: (any PersonalDataKeys)?,
        hasher: UniqueValueHasher?,
        modules: [any StrataModule]
    ) throws -> StrataApp {
        let hasher = hasher ?? UniqueValueHasher(key: [UInt8](repeating: 0, count: 32))
        return try StrataApp(store: log, keys: keys, hasher: hasher, modules: modules)
    }
}

/// The store opened for writing, offline: the log (with its exclusive lock), the key store and
/// the modules' app, its projections prepared but not running.
public final class OfflineStore: Sendable {
    public let log: any EventStore
    public let keys: any PersonalDataKeys
    public let app: StrataApp
    /// The app's projections.
    public var runner: ProjectionRunner { app.runner }

    /// Opens it with `modules` composed over it (by default those its server recorded,
    /// ``ToolModules/of(_:)``); throws ``EventStoreError`` with ``EventStoreError/Code/locked``
    /// when a server holds it.
    public init(_ location: StoreLocation, modules: [any StrataModule]? = nil) async throws {
        let log = try location.openOffline()
        do {
            keys = try location.openKeys(for: log)
        } catch {
            log.close()
            throw error
        }
        self.log = log
        do {
            let modules = try modules ?? ToolModules.of(log)
            app = try StoreLocation.app(log: log, keys: keys, hasher: try await UniqueValueHasher.open(in: log), modules: modules)
            try await app.runner.prepare()
        } catch {
            log.close()
            keys.close()
            throw error
        }
    }

    public func close() {
        log.close()
        keys.close()
    }
}
