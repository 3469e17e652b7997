import Crypto
import Dispatch
import Foundation
import LMDB
import Synchronization

/// Why the key store refused.
public struct KeyStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// One random 256-bit key per subject (user), in a small LMDB environment of its own (`keys/` in
/// the data directory), apart from the log so that destroying a key never touches the events.
/// Key writes run on the store's own serial queue, never on the cooperative pool.
public final class KeyStore: Sendable {
    private let environment: Environment
    private let keys: Database
    private let queue = DispatchQueue(label: "strata.keys")
    private let cache = Mutex<[String: SymmetricKey]>([:])

    /// Opens (creating) the key store in `directory`.
    public init(directory: String) throws {
        environment = try Environment(
            path: directory,
            configuration: EnvironmentConfiguration(mapSize: 64 << 20, maximumMapSize: 1 << 34, maxDatabases: 4)
        )
        keys = try environment.openDatabase(named: "keys")
    }

    /// Writes a consistent, compacted copy of the key store into the empty directory `destination`.
    public func backup(to destination: String) throws {
        try environment.copy(to: destination, compact: true)
    }

    /// Closes the store.
    public func close() { environment.close() }

    /// The key of `subject`, or `nil` when it has none (never created, or destroyed).
    public func key(for subject: String) throws -> SymmetricKey? {
        if let cached = cache.withLock({ $0[subject] }) { return cached }
        let bytes = try environment.withReadTransaction { try $0.get(keys, key: Array(subject.utf8)) }
        guard let bytes else { return nil }
        let key = SymmetricKey(data: bytes)
        cache.withLock { $0[subject] = key }
        return key
    }

    /// Makes sure `subject` has a key, creating it durably if needed.
    @discardableResult
    public func createKey(for subject: String) async throws -> SymmetricKey {
        if let existing = try key(for: subject) { return existing }
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { [self] in
                continuation.resume(
                    with: Result {
                        let created = SymmetricKey(size: .bits256)
                        let bytes = created.withUnsafeBytes { Array($0) }
                        let stored: [UInt8] = try environment.withWriteTransaction { transaction in
                            if let existing = try transaction.get(keys, key: Array(subject.utf8)) { return existing }
                            try transaction.put(keys, key: Array(subject.utf8), value: bytes)
                            return bytes
                        }
                        let key = SymmetricKey(data: stored)
                        cache.withLock { $0[subject] = key }
                        return key
                    }
                )
            }
        }
    }

    /// Destroys `subject`'s key: what was sealed with it can no longer be opened.
    public func destroyKey(for subject: String) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.async { [self] in
                continuation.resume(
                    with: Result {
                        try environment.withWriteTransaction { transaction in
                            _ = try transaction.delete(keys, key: Array(subject.utf8))
                        }
                        _ = cache.withLock { $0.removeValue(forKey: subject) }
                    }
                )
            }
        }
    }
}

/// AES-256-GCM with each subject's key from a ``KeyStore``.
///
/// The nonce is synthetic: the first 12 bytes of HMAC-SHA256(key, plaintext). Sealing the same
/// text for the same subject gives the same bytes, so a read model rebuilt from the log equals the
/// live one byte for byte; different texts never share a nonce under one key. What it reveals is
/// that two sealed values of one subject are equal, which is acceptable for names and emails.
public struct AESGCMCipher: PersonalDataCipher {
    public let keys: KeyStore

    public init(keys: KeyStore) {
        self.keys = keys
    }

    public func seal(_ plaintext: [UInt8], subject: String) throws -> SealedValue {
        guard let key = try keys.key(for: subject) else {
            throw KeyStoreError(message: "no key for subject \(subject): create it before sealing")
        }
        let mac = HMAC<SHA256>.authenticationCode(for: plaintext, using: key)
        let box = try AES.GCM.seal(plaintext, using: key, nonce: try AES.GCM.Nonce(data: Array(mac.prefix(12))))
        return SealedValue(keyId: subject, nonce: Data(box.nonce), ciphertext: box.ciphertext + box.tag)
    }

    public func open(_ sealed: SealedValue, subject: String) throws -> [UInt8]? {
        guard let key = try keys.key(for: sealed.keyId) else { return nil }
        guard sealed.ciphertext.count >= 16 else { throw KeyStoreError(message: "sealed value too short") }
        let box = try AES.GCM.SealedBox(
            nonce: AES.GCM.Nonce(data: sealed.nonce),
            ciphertext: sealed.ciphertext.dropLast(16),
            tag: sealed.ciphertext.suffix(16)
        )
        return Array(try AES.GCM.open(box, using: key))
    }
}
