import Ledger
import StrataHTTP

/// The ledger's refusals as the API answers them: mapped here, once.
extension LedgerError: ProblemConvertible {
    public var problem: Problem {
        switch self {
        case .notFound: .notFound()
        case .alreadyExists: Problem(status: .conflict, code: "conflict", detail: "it exists already")
        case .insufficientFunds: Problem(status: .conflict, code: "insufficient_funds", detail: "the balance is too low")
        case .invalidState(let message): Problem(status: .conflict, code: "invalid_state", detail: message)
        case .versionMismatch(let current):
            Problem(status: .preconditionFailed, code: "precondition_failed", detail: "If-Match does not match the current version \(current)")
        case .invalidInput(let issues): .validationFailed(issues.map(FieldError.init))
        }
    }
}
