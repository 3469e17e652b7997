import Foundation

/// One input field a domain refuses, and why. Checks return every failing field at once; the
/// HTTP edge answers them together (422 with an entry per field).
public struct FieldIssue: Sendable, Hashable, CustomStringConvertible {
    /// The field's name as clients send it (`sku`, `items[2].quantity`).
    public var field: String
    /// Why it is refused, as a client reads it (`must be 1–100 characters`).
    public var message: String

    /// An issue of `field`.
    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    /// The field and the message.
    public var description: String { "\(field) \(message)" }
}

/// Collects the issues of one input, so that a domain's rules report every failing field at once.
public struct FieldChecks: Sendable {
    /// The issues found so far.
    public var issues: [FieldIssue] = []

    /// No issues yet.
    public init() {}

    /// `text` (trimmed when asked) must have a length in `length`; `nil` (absent or of the wrong
    /// type, reported elsewhere) is not checked. Returns the checked text.
    @discardableResult
    public mutating func text(_ text: String?, _ field: String, length: ClosedRange<Int>, trimmed: Bool = false) -> String? {
        guard var text else { return nil }
        if trimmed { text = text.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard length.contains(text.count) else {
            issues.append(FieldIssue(field, "must be \(length.lowerBound)–\(length.upperBound) characters"))
            return nil
        }
        return text
    }

    /// `number` must lie in `range`; `nil` is not checked.
    public mutating func number(_ number: Int?, _ field: String, in range: ClosedRange<Int>) {
        guard let number, !range.contains(number) else { return }
        issues.append(FieldIssue(field, "must be \(range.lowerBound)–\(range.upperBound)"))
    }

    /// Records that `field` fails for `message`.
    public mutating func fail(_ field: String, _ message: String) {
        issues.append(FieldIssue(field, message))
    }

    /// Throws the domain's error for every issue (`failure`), if there are any.
    public func finish<Failure: Error>(or failure: ([FieldIssue]) -> Failure) throws(Failure) {
        guard issues.isEmpty else { throw failure(issues) }
    }
}
