import Identity
import StrataHTTP
import StrataKit

/// The identity module's refusals as the API answers them: mapped here, once.
extension IdentityError: ProblemConvertible {
    public var problem: Problem {
        switch self {
        case .notFound: .notFound()
        case .alreadyExists: Problem(status: .conflict, code: "conflict", detail: "it exists already")
        case .emailTaken: Problem(status: .conflict, code: "email_taken", detail: "that email address is registered")
        case .invalidState(let message): Problem(status: .conflict, code: "invalid_state", detail: message)
        case .invalidSession: .unauthorized("the refresh token is not valid")
        case .lastAdmin:
            Problem(status: .conflict, code: "last_admin", detail: "the last active admin cannot be deactivated or erased")
        case .invalidInput(let issues): .validationFailed(issues.map(FieldError.init))
        }
    }
}
