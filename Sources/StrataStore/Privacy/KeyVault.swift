import Crypto
import Dispatch
import Synchronization

/// Where a ``KeyVault`` keeps the bytes of each subject's key. Its operations may block (on a disk,
/// or a round trip): the vault runs the writes on a serial queue of its own, never on the
/// cooperative pool.
public protocol KeyBacking: Sendable {
    /// The stored key of `subject`, or `nil` (never created, or destroyed).
    func read(_ subject: String) throws -> [UInt8]?
    /// Stores `key` as `subject`'s, durably, unless it has one already; returns the key stored.
    func insertIfAbsent(_ key: [UInt8], for subject: String) throws -> [UInt8]
    /// Deletes `subject`'s key so that no live page, row or file keeps its bytes.
    func destroy(_ subject: String) throws
    /// Closes the backing.
    func close()
}

/// Personal-data keys over a ``KeyBacking``: one random 256-bit key per subject, kept in memory
/// once read, created and destroyed on a serial queue of the vault's own. `StrataLog`'s `KeyStore`
/// (LMDB) and `StrataPostgres`'s `PostgresKeyStore` are vaults over their backings, so the
/// caching, the queue and the making of keys are written once.
public final class KeyVault<Backing: KeyBacking>: PersonalDataKeys {
    /// Where the keys are kept.
    public let backing: Backing
    private let queue: DispatchQueue
    private let cache = Mutex<[String: SymmetricKey]>([:])

    /// A vault over `backing`, whose writes run on a queue named `label`.
    public init(backing: Backing, label: String) {
        self.backing = backing
        self.queue = DispatchQueue(label: label)
    }

    public func key(for subject: String) throws -> SymmetricKey? {
        if let cached = cache.withLock({ $0[subject] }) { return cached }
        return try backing.read(subject).map { remember($0, for: subject) }
    }

    @discardableResult
    public func createKey(for subject: String) async throws -> SymmetricKey {
        if let cached = cache.withLock({ $0[subject] }) { return cached }
        return try await onQueue { [self] in
            if let stored = try backing.read(subject) { return remember(stored, for: subject) }
            let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
            return remember(try backing.insertIfAbsent(fresh, for: subject), for: subject)
        }
    }

    public func destroyKey(for subject: String) async throws {
        try await onQueue { [self] in
            _ = cache.withLock { $0.removeValue(forKey: subject) }
            try backing.destroy(subject)
        }
    }

    /// Forgets the keys held in memory (another process sharing the backing may destroy one).
    public func forgetCached() {
        cache.withLock { $0.removeAll() }
    }

    /// Runs `body` with the backing on the vault's queue, after every write queued before it
    /// (a backup that must see no half-done destruction).
    public func withBacking<T>(_ body: (Backing) throws -> T) throws -> T {
        try queue.sync { try body(backing) }
    }

    public func close() { backing.close() }

    private func remember(_ bytes: [UInt8], for subject: String) -> SymmetricKey {
        let key = SymmetricKey(data: bytes)
        cache.withLock { $0[subject] = key }
        return key
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
