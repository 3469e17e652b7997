import Crypto
import Dispatch
import Foundation
import LMDB
import StrataStore
import Synchronization

/// The embedded personal-data keys: a ``KeyVault`` over an LMDB environment of its own.
public typealias KeyStore = KeyVault<LMDBKeyBacking>

extension KeyVault where Backing == LMDBKeyBacking {
    /// Opens (creating) the key store in `directory` (`keys/` in the data directory), first
    /// finishing any interrupted compaction.
    public convenience init(directory: String) throws {
        self.init(backing: try LMDBKeyBacking(directory: directory), label: "strata.keys")
    }

    /// Writes a consistent, compacted copy of the key store into the empty directory `destination`.
    public func backup(to destination: String) throws {
        try withBacking { try $0.backup(to: destination) }
    }
}

/// One random 256-bit key per subject (user), in a small LMDB environment of its own, apart from
/// the log so that destroying a key never touches the events.
///
/// LMDB is copy-on-write: a deleted key's bytes stay on a freed page until it is reused. So
/// destroying a key rewrites the whole store compacted — a copy of the live pages only — and
/// swaps it in by renaming directories; the old file is deleted. Opening the store finishes or
/// undoes a swap that a crash interrupted.
public final class LMDBKeyBacking: KeyBacking {
    private struct Open: Sendable {
        var environment: Environment
        var keys: Database
    }

    private let directory: String
    private let store: Mutex<Open?>

    private var compactingPath: String { directory + ".compacting" }
    private var retiredPath: String { directory + ".retired" }

    /// Opens (creating) the key store in `directory`, first finishing any interrupted compaction.
    public init(directory: String) throws {
        self.directory = directory
        let manager = FileManager.default
        let compacting = directory + ".compacting"
        let retired = directory + ".retired"
        if !manager.fileExists(atPath: directory) && manager.fileExists(atPath: compacting + "/data.mdb") && manager.fileExists(atPath: retired) {
            // Crashed between the two renames: the compacted copy is complete.
            try manager.moveItem(atPath: compacting, toPath: directory)
        }
        if manager.fileExists(atPath: directory) {
            try? manager.removeItem(atPath: compacting)
            try? manager.removeItem(atPath: retired)
        }
        store = Mutex(try Self.open(directory))
    }

    private static func open(_ directory: String) throws -> Open {
        let environment = try Environment(
            path: directory,
            configuration: EnvironmentConfiguration(mapSize: 64 << 20, maximumMapSize: 1 << 34, maxDatabases: 4)
        )
        return Open(environment: environment, keys: try environment.openDatabase(named: "keys"))
    }

    /// Runs `body`; a full disk (or map) becomes ``EventStoreError/Code/storeFull``, as for the log.
    private func mappingFullDisk<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as LMDBError where error == .mapFull || error.errno.map(DiskFull.errnos.contains) == true {
            throw DiskFull.error("the key store: \(error.message)")
        } catch let error as NSError where error.domain == NSPOSIXErrorDomain && DiskFull.errnos.contains(Int32(error.code)) {
            throw DiskFull.error("the key store: \(error.localizedDescription)")
        } catch let error as CocoaError where error.code == .fileWriteOutOfSpace {
            throw DiskFull.error("the key store: \(error.localizedDescription)")
        }
    }

    private func withStore<T>(_ body: (Open) throws -> T) throws -> T {
        try store.withLock { open in
            guard let open else { throw KeyStoreError(message: "the key store is closed") }
            return try body(open)
        }
    }

    /// Closes the store.
    public func close() {
        store.withLock { open in
            open?.environment.close()
            open = nil
        }
    }

    public func read(_ subject: String) throws -> [UInt8]? {
        try withStore { open in try open.environment.withReadTransaction { try $0.get(open.keys, key: Array(subject.utf8)) } }
    }

    public func insertIfAbsent(_ key: [UInt8], for subject: String) throws -> [UInt8] {
        try mappingFullDisk {
            try withStore { open in
                try open.environment.withWriteTransaction { transaction in
                    if let existing = try transaction.get(open.keys, key: Array(subject.utf8)) { return existing }
                    try transaction.put(open.keys, key: Array(subject.utf8), value: key)
                    return key
                }
            }
        }
    }

    /// Deletes the key and rewrites the store compacted, so the key's bytes are in no page of the
    /// file: what was sealed with it can no longer be opened, here or in later backups.
    public func destroy(_ subject: String) throws {
        try mappingFullDisk {
            try withStore { open in
                try open.environment.withWriteTransaction { transaction in
                    _ = try transaction.delete(open.keys, key: Array(subject.utf8))
                }
            }
            try compact()
        }
    }

    /// Copies the live pages into a fresh store and swaps it in. Runs on the vault's queue.
    private func compact() throws {
        let manager = FileManager.default
        try? manager.removeItem(atPath: compactingPath)
        try manager.createDirectory(atPath: compactingPath, withIntermediateDirectories: true)
        try withStore { open in try open.environment.copy(to: compactingPath, compact: true) }
        try store.withLock { open in
            open?.environment.close()
            open = nil
            try manager.moveItem(atPath: directory, toPath: retiredPath)
            try manager.moveItem(atPath: compactingPath, toPath: directory)
            Self.syncDirectory((directory as NSString).deletingLastPathComponent)
            open = try Self.open(directory)
        }
        try manager.removeItem(atPath: retiredPath)
    }

    /// Makes renames in `path` durable.
    private static func syncDirectory(_ path: String) {
        let descriptor = Foundation.open(path.isEmpty ? "." : path, O_RDONLY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        Foundation.close(descriptor)
    }

    /// Writes a consistent, compacted copy into the empty directory `destination`.
    func backup(to destination: String) throws {
        try withStore { open in try open.environment.copy(to: destination, compact: true) }
    }
}
