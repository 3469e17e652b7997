/// What a store's consistency check found (`EventLog.verify`, `PostgresEventStore.verify`).
public struct VerificationReport: Sendable, Hashable, Codable {
    /// One problem, with the position concerned when there is one.
    public struct Fault: Sendable, Hashable, Codable, CustomStringConvertible {
        public var position: UInt64?
        public var message: String
        public var description: String {
            position.map { "position \($0): \(message)" } ?? message
        }
    }

    /// Events read from the log.
    public var eventsChecked: Int = 0
    /// Distinct streams seen in the log.
    public var streamsChecked: Int = 0
    /// The faults found, up to the maximum asked for.
    public var faults: [Fault] = []
    /// All faults found, including those past the maximum.
    public var faultCount: Int = 0

    /// Whether the store is sound.
    public var isClean: Bool { faultCount == 0 }

    public init() {}

    package mutating func record(_ message: String, at position: UInt64? = nil, maximum: Int) {
        faultCount += 1
        if faults.count < maximum { faults.append(Fault(position: position, message: message)) }
    }
}
