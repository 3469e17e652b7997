import Crypto
import Foundation
import StrataStore

/// A stored answer to a request that carried an `Idempotency-Key`: the same key from the same
/// user with the same request within its lifetime gets this answer again, and appends nothing.
/// A record whose `status` is 0 is a claim: the command's events are appended (at `position`)
/// but its answer is not stored yet.
public struct IdempotencyRecord: Codable, Sendable, Hashable {
    /// A keyed hash of the request (method, path, body) the answer belongs to.
    public var requestHash: String
    /// The answer's status; 0 while only the claim is stored.
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]
    /// The log position the command reached.
    public var position: UInt64
    public var createdAt: Date
    public var expiresAt: Date

    public init(
        requestHash: String,
        status: Int,
        headers: [String: String],
        body: [UInt8],
        position: UInt64,
        createdAt: Date,
        expiresAt: Date
    ) {
        self.requestHash = requestHash
        self.status = status
        self.headers = headers
        self.body = body
        self.position = position
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }

    /// Whether only the claim is stored (the answer is still being made, or was lost in a crash).
    public var isClaim: Bool { status == 0 }
}

/// Why a key cannot be used now.
public enum IdempotencyError: Error, Sendable, Hashable {
    /// Another request with the same key got its events appended first.
    case keyInUse
}

/// The idempotency key of the request a command runs for, found by ``CommandExecutor`` through a
/// task-local value: the command's transaction stakes the claim beside its events, so the key
/// is taken exactly when the events are appended, and a second request with the same key can
/// never append again.
public struct IdempotencyClaim: Sendable {
    public var store: IdempotencyStore
    public var user: String
    public var key: String
    public var requestHash: String

    public init(store: IdempotencyStore, user: String, key: String, requestHash: String) {
        self.store = store
        self.user = user
        self.key = key
        self.requestHash = requestHash
    }

    /// The claim of the request the current task serves.
    @TaskLocal public static var current: IdempotencyClaim?

    /// Stakes the claim inside the command's transaction; throws ``IdempotencyError/keyInUse``
    /// when a live record holds the key already (the command then appends nothing).
    public func stake(position: UInt64, in transaction: any StoreTransaction) throws {
        if try store.lookup(user: user, key: key, in: transaction) != nil { throw IdempotencyError.keyInUse }
        try store.store(store.record(requestHash: requestHash, status: 0, headers: [:], body: [], position: position), user: user, key: key, in: transaction)
    }
}

/// Idempotency records in the log's `idempotency` table. A record is found by the SHA-256 of
/// user and key, and its request hash and body are sealed with a key derived from the client's
/// `Idempotency-Key`, which the server never stores: the bytes at rest (a sign-up's answer holds
/// a name and an email) cannot be read without the client's key, and expire after `lifetime`.
public struct IdempotencyStore: Sendable {
    static let table = KitTable(name: "idempotency")
    let store: any EventStore
    /// How long a record answers (24 h by default).
    public var lifetime: Duration

    public init(store: any EventStore, lifetime: Duration = .seconds(24 * 3600)) {
        self.store = store
        self.lifetime = lifetime
    }

    static func rowKey(user: String, key: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(user.utf8) + [0] + Array(key.utf8)))
    }

    static func sealingKey(user: String, key: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: Array(key.utf8)),
            salt: Array(user.utf8),
            info: Array("strata idempotency record".utf8),
            outputByteCount: 32
        )
    }

    /// The keyed hash of a request's parts, as records keep it.
    public static func requestHash(user: String, key: String, parts: [[UInt8]]) -> String {
        var mac = HMAC<SHA256>(key: sealingKey(user: user, key: key))
        for part in parts {
            mac.update(data: withUnsafeBytes(of: UInt64(part.count).bigEndian, Array.init))
            mac.update(data: part)
        }
        return Data(mac.finalize()).base64EncodedString()
    }

    /// The live record for `key` of `user`, if any (expired ones are ignored).
    public func lookup(user: String, key: String, in reader: any StoreReading, now: Date = Date()) throws -> IdempotencyRecord? {
        guard let bytes = try Self.table.get(Self.rowKey(user: user, key: key), from: reader, in: store) else { return nil }
        var record = try KitCoding.decoder().decode(IdempotencyRecord.self, from: Data(bytes))
        guard record.expiresAt > now else { return nil }
        if !record.body.isEmpty {
            let box = try AES.GCM.SealedBox(combined: record.body)
            record.body = Array(try AES.GCM.open(box, using: Self.sealingKey(user: user, key: key)))
        }
        return record
    }

    /// Stores `record` (its body sealed) inside a transaction.
    public func store(_ record: IdempotencyRecord, user: String, key: String, in transaction: any StoreTransaction) throws {
        var sealed = record
        if !record.body.isEmpty {
            guard let combined = try AES.GCM.seal(record.body, using: Self.sealingKey(user: user, key: key)).combined else {
                throw CryptoKitError.incorrectParameterSize
            }
            sealed.body = Array(combined)
        }
        try transaction.put(try Self.table.open(in: transaction), key: Self.rowKey(user: user, key: key), value: Array(try KitCoding.encoder().encode(sealed)))
    }

    /// Replaces a claim with the answer, durably.
    public func complete(_ record: IdempotencyRecord, user: String, key: String) async throws {
        try await store.write { transaction in try store(record, user: user, key: key, in: transaction) }
    }

    /// A record for an answer given now.
    public func record(requestHash: String, status: Int, headers: [String: String], body: [UInt8], position: UInt64, now: Date = Date()) -> IdempotencyRecord {
        // Whole milliseconds, as stored.
        let now = Date(timeIntervalSince1970: (now.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        let seconds = Double(lifetime.components.seconds) + Double(lifetime.components.attoseconds) / 1e18
        return IdempotencyRecord(
            requestHash: requestHash,
            status: status,
            headers: headers,
            body: body,
            position: position,
            createdAt: now,
            expiresAt: now.addingTimeInterval(seconds)
        )
    }

    /// Deletes expired records, at most `limit` per call; returns how many.
    @discardableResult
    public func purgeExpired(now: Date = Date(), limit: Int = 10_000) async throws -> Int {
        let expired: [[UInt8]] = try store.withSnapshot { snapshot in
            var keys: [[UInt8]] = []
            guard let table = try Self.table.find(for: snapshot, in: store) else { return keys }
            let decoder = KitCoding.decoder()
            try snapshot.scan(table) { key, value in
                if let record = try? decoder.decode(IdempotencyRecord.self, from: Data(value)), record.expiresAt <= now {
                    keys.append(Array(key))
                }
                return keys.count < limit
            }
            return keys
        }
        guard !expired.isEmpty else { return 0 }
        try await store.write { transaction in
            let table = try Self.table.open(in: transaction)
            for key in expired { try transaction.delete(table, key: key) }
        }
        return expired.count
    }
}
