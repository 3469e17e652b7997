import Foundation
import Synchronization

/// Limits failed sign-ins per key (client address and email): after `limit` failures within
/// `window`, further attempts are refused with 429 and `Retry-After` until the oldest failure
/// leaves the window. A success clears the key.
public final class SignInRateLimiter: Sendable {
    private let failures = Mutex<[String: [Date]]>([:])
    public let limit: Int
    public let window: TimeInterval
    private let now: @Sendable () -> Date

    public init(limit: Int = 5, window: TimeInterval = 300, now: @escaping @Sendable () -> Date = { Date() }) {
        self.limit = limit
        self.window = window
        self.now = now
    }

    /// Throws 429 when `key` has used up its failures.
    public func check(_ key: String) throws {
        let current = now()
        let retryAfter: Int? = failures.withLock { failures in
            let recent = (failures[key] ?? []).filter { current.timeIntervalSince($0) < window }
            failures[key] = recent.isEmpty ? nil : recent
            guard recent.count >= limit, let oldest = recent.first else { return nil }
            return max(1, Int((window - current.timeIntervalSince(oldest)).rounded(.up)))
        }
        if let retryAfter { throw Problem.rateLimited(retryAfter: retryAfter) }
    }

    /// Counts a failure of `key`.
    public func recordFailure(_ key: String) {
        let current = now()
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
    public func reset(_ key: String) {
        _ = failures.withLock { $0.removeValue(forKey: key) }
    }
}
