import StrataKit
import Foundation

/// Email syntax as the shop accepts it: one `@`, a non-empty local part without spaces, a domain
/// with a dot, at most 254 characters.
public enum EmailAddress {
    public static func isValid(_ email: String) -> Bool {
        let text = email.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.count <= 254 && text.range(of: #"^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$"#, options: .regularExpression) != nil
    }
}
