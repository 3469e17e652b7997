import Crypto
import Foundation
import StrataKit
import StrataStore
import Synchronization

/// Limits failed sign-ins per key (client address and email): after `limit` failures within
/// `window`, further attempts are refused with 429 and `Retry-After` until the oldest failure
/// leaves the window. A success clears the key.
///
/// On a store that several servers share (`StoreTraits.isShared`) the failures are rows of the
/// store's `http.signInFailures` table, keyed by a SHA-256 of the key (no address or email at
/// rest), so N servers do not allow N times the attempts; otherwise they are kept in memory.
public final class SignInRateLimiter: Sendable {
    private let failures = Mutex<[String: [Date]]>([:])
    public let limit: Int
    public let window: TimeInterval
    private let now: @Sendable () -> Date
    private let shared: (any EventStore)?

    static let tableName = "http.signInFailures"

    /// `store`: where failures are counted when it is shared by several servers.
    public init(limit: Int = 5, window: TimeInterval = 300, store: (any EventStore)? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
        self.limit = limit
        self.window = window
        self.now = now
        self.shared = store.flatMap { $0.traits.isShared ? $0 : nil }
    }

    /// Throws 429 when `key` has used up its failures.
    public func check(_ key: String) async throws {
        let current = now()
        let recent: [Date]
        if let store = shared {
            let row = Self.row(key)
            let stored: [Date] = try await store.read { snapshot in
                guard let table = try store.existingTable(named: Self.tableName), let bytes = try snapshot.get(table, key: row) else { return [] }
                return Self.decode(bytes)
            }
            recent = stored.filter { current.timeIntervalSince($0) < window }
        } else {
            recent = failures.withLock { failures in
                let recent = (failures[key] ?? []).filter { current.timeIntervalSince($0) < window }
                failures[key] = recent.isEmpty ? nil : recent
                return recent
            }
        }
        guard recent.count >= limit, let oldest = recent.min() else { return }
        throw Problem.rateLimited(retryAfter: max(1, Int((window - current.timeIntervalSince(oldest)).rounded(.up))))
    }

    /// Counts a failure of `key`.
    public func recordFailure(_ key: String) async throws {
        let current = now()
        if let store = shared {
            let (row, window) = (Self.row(key), window)
            try await store.write { transaction in
                let table = try transaction.table(named: Self.tableName)
                var recent = try transaction.get(table, key: row).map(Self.decode) ?? []
                recent = recent.filter { current.timeIntervalSince($0) < window } + [current]
                try transaction.put(table, key: row, value: Self.encode(recent.suffix(64)))
            }
            return
        }
        failures.withLock { failures in
            var recent = (failures[key] ?? []).filter { current.timeIntervalSince($0) < window }
            recent.append(current)
            failures[key] = recent
            if failures.count > 100_000 {
                failures = failures.filter { $0.value.contains { current.timeIntervalSince($0) < window } }
            }
        }
    }

    /// Clears `key` after a success.
    public func reset(_ key: String) async throws {
        if let store = shared {
            // Read first (off the cooperative pool): most sign-ins have no failures to clear, and
            // then cost no commit.
            let row = Self.row(key)
            let recorded = try await store.read { snapshot in
                try store.existingTable(named: Self.tableName).map { try snapshot.get($0, key: row) != nil } ?? false
            }
            guard recorded else { return }
            try await store.write { transaction in _ = try transaction.delete(try transaction.table(named: Self.tableName), key: row) }
            return
        }
        _ = failures.withLock { $0.removeValue(forKey: key) }
    }

    private static func row(_ key: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(key.utf8)))
    }

    /// Failure times as whole microseconds, 8 bytes each, big-endian.
    private static func encode(_ dates: some Sequence<Date>) -> [UInt8] {
        dates.flatMap { date -> [UInt8] in
            let micros = UInt64(max(0, RecordedEvent.microseconds(date)))
            return (0..<8).map { UInt8(truncatingIfNeeded: micros >> (56 - 8 * $0)) }
        }
    }

    private static func decode(_ bytes: [UInt8]) -> [Date] {
        stride(from: 0, to: bytes.count - bytes.count % 8, by: 8).map { start in
            let micros = bytes[start..<start + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return Date(timeIntervalSince1970: Double(micros) / 1_000_000)
        }
    }
}
