import Foundation
import StrataLog

/// A stored answer to a request that carried an `Idempotency-Key`: the same key from the same
/// user with the same request within its lifetime gets this answer again, and appends nothing.
public struct IdempotencyRecord: Codable, Sendable, Hashable {
    /// A hash of the request (method, path, body) the answer belongs to.
    public var requestHash: String
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]
    public var createdAt: Date
    public var expiresAt: Date

    public init(requestHash: String, status: Int, headers: [String: String], body: [UInt8], createdAt: Date, expiresAt: Date) {
        self.requestHash = requestHash
        self.status = status
        self.headers = headers
        self.body = body
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}

/// Idempotency records in the log's `idempotency` table, keyed by user and key, written in the
/// same transaction as the command's events so that a stored answer exists exactly when the
/// events do.
public struct IdempotencyStore: Sendable {
    public let table: Table
    /// How long a record answers (24 h by default).
    public var lifetime: Duration

    public init(log: EventLog, lifetime: Duration = .seconds(24 * 3600)) {
        self.table = log.idempotencyTable
        self.lifetime = lifetime
    }

    static func key(user: String, key: String) -> [UInt8] {
        Array(user.utf8) + [0] + Array(key.utf8)
    }

    /// The live record for `key` of `user`, if any (expired ones are ignored).
    public func lookup(user: String, key: String, in reader: some TableReading, now: Date = Date()) throws -> IdempotencyRecord? {
        guard let bytes = try reader.get(table, key: Self.key(user: user, key: key)) else { return nil }
        let record = try KitCoding.decoder().decode(IdempotencyRecord.self, from: Data(bytes))
        return record.expiresAt > now ? record : nil
    }

    /// Stores the answer inside the command's transaction.
    public func store(_ record: IdempotencyRecord, user: String, key: String, in transaction: LogTransaction) throws {
        try transaction.put(table, key: Self.key(user: user, key: key), value: Array(try KitCoding.encoder().encode(record)))
    }

    /// A record for an answer given now.
    public func record(requestHash: String, status: Int, headers: [String: String], body: [UInt8], now: Date = Date()) -> IdempotencyRecord {
        // Whole milliseconds, as stored.
        let now = Date(timeIntervalSince1970: (now.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        let seconds = Double(lifetime.components.seconds) + Double(lifetime.components.attoseconds) / 1e18
        return IdempotencyRecord(
            requestHash: requestHash,
            status: status,
            headers: headers,
            body: body,
            createdAt: now,
            expiresAt: now.addingTimeInterval(seconds)
        )
    }

    /// Deletes expired records, at most `limit` per call; returns how many.
    @discardableResult
    public func purgeExpired(from log: EventLog, now: Date = Date(), limit: Int = 10_000) async throws -> Int {
        let table = self.table
        let expired: [[UInt8]] = try log.withSnapshot { snapshot in
            var keys: [[UInt8]] = []
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
        _ = try await log.write { transaction in
            for key in expired { try transaction.delete(table, key: key) }
        }
        return expired.count
    }
}
