import StrataKit

/// Why a call on consumer groups was refused; the HTTP layer maps each case once.
public enum SubscriptionError: Error, Sendable, Equatable {
    /// No group of that name.
    case groupNotFound(String)
    /// The input breaks the rules; every failing field.
    case invalidInput([FieldIssue])
    /// The group exists with another filter or start, which cannot change.
    case filterCannotChange(String)
    /// A push group is delivered by the server, not polled.
    case pushGroupIsNotPolled(String)
    /// These acknowledgement ids are unknown or expired (the others of the call took effect).
    case unknownAckIds([String])
    /// Nothing is parked at that position.
    case parkedNotFound(UInt64)
}

extension SubscriptionError: CustomStringConvertible {
    /// One line a person reads (the tools print it).
    public var description: String {
        switch self {
        case .groupNotFound(let name): "no consumer group \(name)"
        case .invalidInput(let issues): issues.map(\.description).joined(separator: "; ")
        case .filterCannotChange(let name): "the filter and start of \(name) cannot change"
        case .pushGroupIsNotPolled(let name): "\(name) is a push group: the server delivers its messages"
        case .unknownAckIds(let ids): "unknown or expired ackIds: \(ids.joined(separator: ", "))"
        case .parkedNotFound(let position): "nothing parked at \(position)"
        }
    }
}
