import StrataKit
/// What an order's input must be: the one place these rules live.
public enum OrderRules {
    public static let lines = 1...Order.maximumLines
    public static let quantity = 1...Order.maximumQuantity
    public static let productIdLength = 1...100

    /// One line as a client sent it; `nil` parts were absent or mistyped (reported by the caller).
    public struct Line: Sendable, Hashable {
        public var productId: String?
        public var quantity: Int?

        public init(productId: String?, quantity: Int?) {
            self.productId = productId
            self.quantity = quantity
        }
    }

    /// The issues of an order's lines: how many, each product id and quantity, no product twice.
    public static func issues(_ given: [Line]) -> [FieldIssue] {
        var checks = FieldChecks()
        if !lines.contains(given.count) { checks.fail("items", "must be an array of \(lines.lowerBound)–\(lines.upperBound) lines") }
        var seen = Set<String>()
        for (index, line) in given.enumerated() {
            if let productId = checks.text(line.productId, "items[\(index)].productId", length: productIdLength),
                !seen.insert(productId).inserted
            {
                checks.fail("items[\(index)].productId", "appears on another line")
            }
            checks.number(line.quantity, "items[\(index)].quantity", in: quantity)
        }
        return checks.issues
    }

    /// The lines as the domain takes them, or every issue.
    static func items(_ given: [Order.Item]) throws(ShopError) -> [Order.Item] {
        let issues = issues(given.map { Line(productId: $0.productId, quantity: $0.quantity) })
        guard issues.isEmpty else { throw .invalidInput(issues) }
        return given
    }
}
