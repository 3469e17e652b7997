import Foundation
import Shop
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

    /// The shop's projections over a store, to ask their status or rebuild them. `hasher` may be
    /// left out where no event is applied (status only).
    public static func runner(log: any EventStore, keys: (any PersonalDataKeys)?, hasher: UniqueValueHasher?) throws -> ProjectionRunner {
        let hasher = hasher ?? UniqueValueHasher(key: [UInt8](repeating: 0, count: 32))
        let registry = try ShopService.registry(cipher: keys.map { AESGCMCipher(keys: $0) })
        return try ProjectionRunner(log: log, registry: registry, projections: ShopService.projections(hasher: hasher))
    }
}

/// The store opened for writing, offline: the log (with its exclusive lock), the key store and
/// the shop's projections, prepared but not running.
public final class OfflineStore: Sendable {
    public let log: any EventStore
    public let keys: any PersonalDataKeys
    public let runner: ProjectionRunner

    /// Opens it; throws ``EventStoreError`` with ``EventStoreError/Code/locked`` when a server holds it.
    public init(_ location: StoreLocation) async throws {
        let log = try location.openOffline()
        do {
            keys = try location.openKeys(for: log)
        } catch {
            log.close()
            throw error
        }
        self.log = log
        runner = try StoreLocation.runner(log: log, keys: keys, hasher: try await UniqueValueHasher.open(in: log))
        try await runner.prepare()
    }

    public func close() {
        log.close()
        keys.close()
    }
}
