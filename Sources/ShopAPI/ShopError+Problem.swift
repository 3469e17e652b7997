import Shop
import StrataHTTP
import StrataKit

/// The shop's refusals as the API answers them: mapped here, once.
extension ShopError: ProblemConvertible {
    public var problem: Problem {
        switch self {
        case .notFound: .notFound()
        case .alreadyExists: Problem(status: .conflict, code: "conflict", detail: "it exists already")
        case .emailTaken: Problem(status: .conflict, code: "email_taken", detail: "that email address is registered")
        case .skuTaken: Problem(status: .conflict, code: "sku_taken", detail: "that sku belongs to another product")
        case .insufficientStock(let ids):
            Problem(
                status: .conflict,
                code: "insufficient_stock",
                detail: "not enough stock for \(ids.joined(separator: ", "))",
                errors: ids.map { FieldError(field: "items", message: "not enough stock for product \($0)") }
            )
        case .unavailableProducts(let ids):
            .validationFailed(ids.map { FieldError(field: "items", message: "product \($0) does not exist or is discontinued") })
        case .invalidState(let message): Problem(status: .conflict, code: "invalid_state", detail: message)
        case .forbidden: .forbidden
        case .invalidSession: .unauthorized("the refresh token is not valid")
        case .versionMismatch(let current):
            Problem(status: .preconditionFailed, code: "precondition_failed", detail: "If-Match does not match the current version \(current)")
        case .lastAdmin:
            Problem(status: .conflict, code: "last_admin", detail: "the last active admin cannot be deactivated or erased")
        case .invalidInput(let issues): .validationFailed(issues.map(FieldError.init))
        }
    }
}

extension FieldError {
    /// A shop input issue as the API reports it.
    init(_ issue: FieldIssue) {
        self.init(field: issue.field, message: issue.message)
    }
}

extension JSONFields {
    /// Adds the shop's verdict on the values read so far, so one 422 names every failing field.
    mutating func add(_ issues: [FieldIssue]) {
        for issue in issues { fail(issue.field, issue.message) }
    }
}
