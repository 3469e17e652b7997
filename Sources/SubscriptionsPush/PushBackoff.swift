/// How long a push waits before delivering a message again after a failed attempt: exponential
/// in the deliveries so far (1 s, 2 s, 4 s … capped at five minutes), with ±20% jitter so that
/// many messages failing together do not come back together.
public struct PushBackoff: Sendable {
    /// The wait after the first failure.
    public var base: Duration = .seconds(1)
    /// The longest wait.
    public var cap: Duration = .seconds(300)

    public init(base: Duration = .seconds(1), cap: Duration = .seconds(300)) {
        self.base = base
        self.cap = cap
    }

    /// The wait after the `deliveries`-th failed delivery; `jitter` in -1…1 scales the ±20%.
    public func delay(afterDeliveries deliveries: Int, jitter: Double = Double.random(in: -1...1)) -> Duration {
        let doublings = min(max(deliveries - 1, 0), 20)
        let plain = min(base * (1 << doublings), cap)
        return plain * (1 + 0.2 * min(max(jitter, -1), 1))
    }
}
