import Crypto
import Foundation
import StrataStore

/// The kit's `idempotency` table of ``IdempotencyRecord``s. A record is found by the SHA-256 of
/// user and key, and its answer is sealed with a key derived from the client's
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
        // Records of another shape (written before answers were stored with the command) do not answer.
        guard var record = try? KitCoding.decode(IdempotencyRecord.self, from: bytes), record.expiresAt > now else {
            return nil
        }
        if !record.answer.isEmpty {
            let box = try AES.GCM.SealedBox(combined: record.answer)
            record.answer = Array(try AES.GCM.open(box, using: Self.sealingKey(user: user, key: key)))
        }
        return record
    }

    /// Stores `record` (its answer sealed) inside a transaction.
    public func store(_ record: IdempotencyRecord, user: String, key: String, in transaction: any StoreTransaction) throws {
        var sealed = record
        if !record.answer.isEmpty {
            guard let combined = try AES.GCM.seal(record.answer, using: Self.sealingKey(user: user, key: key)).combined else {
                throw CryptoKitError.incorrectParameterSize
            }
            sealed.answer = Array(combined)
        }
        try transaction.put(try Self.table.open(in: transaction), key: Self.rowKey(user: user, key: key), value: try KitCoding.encode(sealed))
    }

    /// A record for an answer given now.
    public func record(requestHash: String, answer: [UInt8], position: UInt64, now: Date = Date()) -> IdempotencyRecord {
        // Whole milliseconds, as stored.
        let now = Date(timeIntervalSince1970: (now.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        let seconds = Double(lifetime.components.seconds) + Double(lifetime.components.attoseconds) / 1e18
        return IdempotencyRecord(
            requestHash: requestHash,
            answer: answer,
            position: position,
            createdAt: now,
            expiresAt: now.addingTimeInterval(seconds)
        )
    }

    /// Deletes expired records, at most `limit` per call; returns how many.
    @discardableResult
    public func purgeExpired(now: Date = Date(), limit: Int = 10_000) async throws -> Int {
        let expired: [[UInt8]] = try await store.read { [store] snapshot in
            var keys: [[UInt8]] = []
            guard let table = try Self.table.find(for: snapshot, in: store) else { return keys }
            try snapshot.scan(table) { key, value in
                // Only the expiry is read, so records of every shape so far expire.
                struct Expiry: Decodable { var expiresAt: Date }
                if let record = try? KitCoding.decode(Expiry.self, from: value), record.expiresAt <= now {
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
