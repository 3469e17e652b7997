import Foundation
import StrataStore
import Synchronization

/// Events appended per second over the last few seconds, from the store's commit reports: what
/// the console's dashboard shows as the write rate of this server.
public final class AppendRate: Sendable {
    /// How many whole seconds the rate averages over.
    public let window: Int
    private let buckets: Mutex<[(second: Int64, events: Int)]>
    private let clock: @Sendable () -> Int64

    /// `clock` gives the current time in whole seconds (the wall clock unless a test says otherwise).
    public init(window: Int = 10, clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.window = max(1, window)
        self.buckets = Mutex([])
        self.clock = clock
    }

    /// Counts every commit of `store` from now on.
    public func observe(_ store: any EventWriting) {
        store.onCommit { [self] report in record(events: report.events) }
    }

    /// Counts `events` appended now.
    public func record(events: Int) {
        let now = clock()
        buckets.withLock { buckets in
            if let last = buckets.last, last.second == now {
                buckets[buckets.count - 1].events += events
            } else {
                buckets.append((now, events))
            }
            buckets.removeAll { $0.second <= now - Int64(window) }
        }
    }

    /// Events per second over the last `window` seconds, the current one included.
    public var eventsPerSecond: Double {
        let now = clock()
        let total = buckets.withLock { buckets in
            buckets.filter { $0.second > now - Int64(window) }.reduce(0) { $0 + $1.events }
        }
        return Double(total) / Double(window)
    }
}
