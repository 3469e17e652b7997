import Dispatch
import Foundation
import Logging
import StrataKit
import StrataLog
import StrataPostgres
import StrataStore

/// The store the server runs on, with its personal-data keys: LMDB in the data directory, or
/// the PostgreSQL database of ``ServerConfiguration/postgresURL``.
struct OpenedStore: Sendable {
    let log: any EventStore
    let keys: any PersonalDataKeys

    /// Opens the configured store. PostgreSQL is opened off the cooperative pool (connecting and
    /// migrating block).
    ///
    /// - Throws: ``EventStoreError/Code/unavailable`` naming host and database when PostgreSQL
    ///   cannot be reached, and the stores' other opening errors.
    static func open(_ configuration: ServerConfiguration, logger: Logger) async throws -> OpenedStore {
        var storeLogger = logger
        storeLogger[metadataKey: "component"] = "log"
        if let url = configuration.postgresURL {
            let storeConfiguration = PostgresStoreConfiguration(logger: storeLogger)
            let store = try await blocking { try PostgresEventStore.open(url: url, configuration: storeConfiguration) }
            logger.info("store is PostgreSQL", metadata: ["database": "\(url)"])
            return OpenedStore(log: store, keys: PostgresKeyStore(store: store))
        }
        let directory = configuration.dataDirectory
        let log = try EventLog.open(
            directory: directory,
            configuration: EventLogConfiguration(
                mapSize: min(1 << 32, configuration.maximumMapSize),
                maximumMapSize: configuration.maximumMapSize,
                logger: storeLogger
            )
        )
        do {
            return OpenedStore(log: log, keys: try KeyStore(directory: (directory as NSString).appendingPathComponent("keys")))
        } catch {
            log.close()
            throw error
        }
    }

    func close() {
        log.close()
        keys.close()
    }

    private static func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }
}
