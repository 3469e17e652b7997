import Shop
import StrataHTTP
import StrataKit

/// The shop's refusals as the API answers them: mapped here, once.
extension ShopError: ProblemConvertible {
    public var problem: Problem {
        switch self {
        case .notFound: .notFound()
        case .alreadyExists: Problem(status: .conflict, code: "conflict", detail: "it exists already")
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
        case .versionMismatch(let current):
            Problem(status: .preconditionFailed, code: "precondition_failed", detail: "If-Match does not match the current version \(current)")
        case .invalidInput(let issues): .validationFailed(issues.map(FieldError.init))
        }
    }
}
