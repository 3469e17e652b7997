import Foundation
import StrataStore

/// What a request that carried an idempotency key left behind: the hash of the request and the
/// answer it got, stored in the same transaction as the command's events. The same key from the
/// same caller with the same request within the record's lifetime gets `answer` again and appends
/// nothing. The kit does not interpret `answer`: the HTTP layer stores its status, headers and body.
public struct IdempotencyRecord: Codable, Sendable, Hashable {
    /// A keyed hash of the request the answer belongs to.
    public var requestHash: String
    /// The answer, opened (at rest it is sealed with a key derived from the client's key).
    public var answer: [UInt8]
    /// The last log position the command appended.
    public var position: UInt64
    public var createdAt: Date
    public var expiresAt: Date

    public init(requestHash: String, answer: [UInt8], position: UInt64, createdAt: Date, expiresAt: Date) {
        self.requestHash = requestHash
        self.answer = answer
        self.position = position
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// Why a key cannot be used now.
public enum IdempotencyError: Error, Sendable, Hashable {
    /// Another request with the same key committed first: its answer is stored now.
    case keyInUse
}

/// The idempotency key of one request, given explicitly to the command it runs: its
/// `followUp(answer:)` stores the key, the request's hash and its answer inside the command's
/// own write transaction, so the key is taken exactly when the events are appended, and a crash
/// at any moment leaves either both or neither.
public struct IdempotencyClaim: Sendable {
    public let store: IdempotencyStore
    public let user: String
    public let key: String
    public let requestHash: String

    public init(store: IdempotencyStore, user: String, key: String, requestHash: String) {
        self.store = store
        self.user = user
        self.key = key
        self.requestHash = requestHash
    }

    /// Stores the record in `transaction`; throws ``IdempotencyError/keyInUse`` when a live record
    /// holds the key already (the command then appends nothing).
    public func stake(answer: [UInt8], position: UInt64, in transaction: any StoreTransaction) throws {
        if try store.lookup(user: user, key: key, in: transaction) != nil { throw IdempotencyError.keyInUse }
        try store.store(store.record(requestHash: requestHash, answer: answer, position: position), user: user, key: key, in: transaction)
    }
}
