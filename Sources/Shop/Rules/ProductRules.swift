import StrataKit
/// What a product's input must be: the one place these rules live.
public enum ProductRules {
    /// What a sku may contain: `A-Z a-z 0-9 - _ .`.
    public static let skuCharacters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    public static let skuLength = 1...64
    public static let nameLength = 1...200
    public static let descriptionLength = 0...2000
    public static let priceCents = 0...100_000_000
    public static let stock = 0...Product.maximumStock
    public static let restockQuantity = 1...1_000_000

    /// The issues of a new product; `nil` values (absent or mistyped) are left to the caller.
    public static func issues(sku: String?, name: String?, description: String?, priceCents: Int?, stock: Int?) -> [FieldIssue] {
        var checks = FieldChecks()
        if let sku = checks.text(sku, "sku", length: skuLength), !sku.allSatisfy(skuCharacters.contains) {
            checks.fail("sku", "may only contain A-Z a-z 0-9 - _ .")
        }
        checks.text(name, "name", length: nameLength, trimmed: true)
        checks.text(description, "description", length: descriptionLength)
        checks.number(priceCents, "priceCents", in: self.priceCents)
        checks.number(stock, "stock", in: self.stock)
        return checks.issues
    }

    /// The issues of a change of name, description or price (`nil`: not changed).
    public static func issues(name: String?, description: String?, priceCents: Int?) -> [FieldIssue] {
        var checks = FieldChecks()
        checks.text(name, "name", length: nameLength, trimmed: true)
        checks.text(description, "description", length: descriptionLength)
        checks.number(priceCents, "priceCents", in: self.priceCents)
        return checks.issues
    }

    /// The issues of a restock.
    public static func issues(restock quantity: Int?) -> [FieldIssue] {
        var checks = FieldChecks()
        checks.number(quantity, "quantity", in: restockQuantity)
        return checks.issues
    }

    /// Throws ``ShopError/invalidInput(_:)`` with every issue of `issues`.
    static func require(_ issues: [FieldIssue]) throws(ShopError) {
        guard issues.isEmpty else { throw .invalidInput(issues) }
    }

    /// A name as stored: trimmed.
    static func storedName(_ name: String) -> String {
        name.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
