import StrataHTTP
import StrataSubscriptions

/// Consumer groups' refusals as the API answers them: mapped here, once.
extension SubscriptionError: ProblemConvertible {
    public var problem: Problem {
        switch self {
        case .groupNotFound(let name): .notFound("no consumer group \(name)")
        case .invalidInput(let issues): .validationFailed(issues.map(FieldError.init))
        case .filterCannotChange(let name):
            Problem(status: .conflict, code: "conflict", detail: "the filter and start of \(name) cannot change; delete the group and make it again")
        case .pushGroupIsNotPolled(let name):
            Problem(status: .conflict, code: "conflict", detail: "\(name) is a push group: the server delivers its messages")
        case .unknownAckIds(let ids):
            Problem(status: .conflict, code: "conflict", detail: "unknown or expired ackIds: \(ids.joined(separator: ", ")); the others took effect")
        case .parkedNotFound(let position): .notFound("nothing parked at \(position)")
        }
    }
}
