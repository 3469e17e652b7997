import Foundation
import Shop
import StrataKit
import StrataLog
import StrataStore

/// A data directory as the tools see it: the log in it, the key store in `keys/`.
public struct DataDirectory: Sendable {
    public let path: String

    public init(_ path: String) {
        self.path = path
    }

    /// Where the key store lives.
    public var keysPath: String { (path as NSString).appendingPathComponent("keys") }

    /// Whether it holds a store.
    public var hasStore: Bool { FileManager.default.fileExists(atPath: (path as NSString).appendingPathComponent("data.mdb")) }

    /// Opens the log read-only: no lock, beside a running server.
    public func openReadOnly() throws -> EventLog {
        try EventLog.openReadOnly(directory: path)
    }

    /// The shop's projections over a store, to ask their status or rebuild them. `hasher` may be
    /// left out where no event is applied (status only).
    public static func runner(log: any EventStore, keys: KeyStore?, hasher: UniqueValueHasher?) throws -> ProjectionRunner {
        let hasher = hasher ?? UniqueValueHasher(key: [UInt8](repeating: 0, count: 32))
        let registry = try ShopService.registry(cipher: keys.map { AESGCMCipher(keys: $0) })
        return try ProjectionRunner(log: log, registry: registry, projections: ShopService.projections(hasher: hasher))
    }
}

/// The data directory opened for writing, offline: the log (with its exclusive lock), the key
/// store and the shop's projections, prepared but not running.
public final class OfflineStore: Sendable {
    public let log: EventLog
    public let keys: KeyStore
    public let runner: ProjectionRunner

    /// Opens it; throws ``EventStoreError`` with ``EventStoreError/Code/locked`` when a server holds it.
    public init(_ directory: DataDirectory) async throws {
        let log = try EventLog.open(directory: directory.path)
        do {
            keys = try KeyStore(directory: directory.keysPath)
        } catch {
            log.close()
            throw error
        }
        self.log = log
        runner = try DataDirectory.runner(log: log, keys: keys, hasher: try await UniqueValueHasher.open(in: log))
        try await runner.prepare()
    }

    public func close() {
        log.close()
        keys.close()
    }
}
