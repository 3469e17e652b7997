import Synchronization

/// What this process has delivered and had acknowledged, per group, since it started: the
/// counters `/metrics` shows (the groups' lag, in-flight and parked counts are read from the store).
public final class DeliveryCounters: Sendable {
    /// One group's counts.
    public struct Counts: Sendable, Hashable {
        public var delivered = 0
        public var acknowledged = 0
    }

    private let counts = Mutex<[String: Counts]>([:])

    public init() {}

    func add(delivered: Int = 0, acknowledged: Int = 0, to group: String) {
        guard delivered > 0 || acknowledged > 0 else { return }
        counts.withLock { counts in
            counts[group, default: Counts()].delivered += delivered
            counts[group, default: Counts()].acknowledged += acknowledged
        }
    }

    /// Every group's counts so far.
    public var snapshot: [String: Counts] { counts.withLock { $0 } }
}
