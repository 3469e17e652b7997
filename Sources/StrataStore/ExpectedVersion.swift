/// What a writer expects of a stream's current version when it appends: the optimistic
/// concurrency check of event sourcing. A stream that has no events has version 0.
public enum ExpectedVersion: Sendable, Hashable, CustomStringConvertible {
    /// No check.
    case any
    /// The stream must not exist yet (version 0).
    case noStream
    /// The stream must have at least one event.
    case exists
    /// The stream must be exactly at this version (`exact(0)` is `noStream`).
    case exact(UInt64)

    /// Whether a stream at `current` meets this expectation.
    public func isSatisfied(by current: UInt64) -> Bool {
        switch self {
        case .any: true
        case .noStream: current == 0
        case .exists: current > 0
        case .exact(let version): current == version
        }
    }

    public var description: String {
        switch self {
        case .any: "any"
        case .noStream: "no stream"
        case .exists: "exists"
        case .exact(let version): "\(version)"
        }
    }
}
