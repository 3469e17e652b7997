import Crypto

/// Why the key store refused.
public struct KeyStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    public let message: String
    public var description: String { message }

    public init(message: String) {
        self.message = message
    }
}

/// Where each subject's personal-data key lives. Destroying a key makes what was sealed with it
/// unreadable everywhere it was copied (the erasure of a user): a store must leave no live copy.
/// `StrataLog`'s `KeyStore` keeps them in LMDB; `StrataPostgres`'s `PostgresKeyStore` in the database.
public protocol PersonalDataKeys: AnyObject, Sendable {
    /// The key of `subject`, or `nil` when it has none (never created, or destroyed).
    func key(for subject: String) throws -> SymmetricKey?
    /// Makes sure `subject` has a key, creating it durably if needed.
    @discardableResult
    func createKey(for subject: String) async throws -> SymmetricKey
    /// Destroys `subject`'s key so that no live page, row or file holds it.
    func destroyKey(for subject: String) async throws
    /// Closes the store.
    func close()
}
