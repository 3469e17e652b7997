import Synchronization

/// What this process has delivered, had acknowledged and failed to push, per group, since it
/// started: the counters `/metrics` shows (the groups' lag, in-flight and parked counts are read
/// from the store).
public final class DeliveryCounters: Sendable {
    /// One group's counts.
    public struct Counts: Sendable, Hashable {
        public var delivered = 0
        public var acknowledged = 0
        /// Failed POSTs of a push group, by reason (``PushFailure``'s raw values).
        public var pushFailures: [String: Int] = [:]
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

    /// Counts one failed POST of a push group.
    public func add(pushFailure reason: PushFailure, to group: String) {
        counts.withLock { $0[group, default: Counts()].pushFailures[reason.rawValue, default: 0] += 1 }
    }

    /// Every group's counts so far.
    public var snapshot: [String: Counts] { counts.withLock { $0 } }
}

/// Why a push failed, as `/metrics` labels it.
public enum PushFailure: String, Sendable, CaseIterable {
    /// The receiver answered outside 2xx: a redirect (not followed), a client or a server error.
    case status3xx = "status_3xx", status4xx = "status_4xx", status5xx = "status_5xx", statusOther = "status_other"
    /// No answer in time: the POST's timeout (10 s, or the group's ack timeout if shorter).
    case timeout
    /// No connection, or it failed: refused, reset, closed, a connect timeout.
    case connection

    /// The reason for an answer with `status`.
    public init(status: Int) {
        switch status {
        case 300..<400: self = .status3xx
        case 400..<500: self = .status4xx
        case 500..<600: self = .status5xx
        default: self = .statusOther
        }
    }
}
