import StrataKit

/// What the ledger's decisions refuse. The HTTP edge maps each to its status and problem code.
public enum LedgerError: Error, Sendable, Hashable {
    /// No such account — or one the caller may not touch.
    case notFound
    /// An account with that id exists already.
    case alreadyExists
    /// The balance would go below zero.
    case insufficientFunds
    /// The account does not allow this now (closed, or not empty when closing).
    case invalidState(String)
    /// An `If-Match` version does not match the account's current version.
    case versionMismatch(current: UInt64)
    /// Input the ledger does not accept: every failing field.
    case invalidInput([FieldIssue])
}

/// Who asks: the account's owner may do everything, an admin what the API grants admins.
public struct Caller: Sendable, Hashable {
    public var userId: String
    public var isAdmin: Bool

    public init(userId: String, isAdmin: Bool) {
        self.userId = userId
        self.isAdmin = isAdmin
    }
}

/// The ledger's input rules, in one place.
public enum LedgerRules {
    public static let nameLength = 1...100
    public static let amount = 1...1_000_000_000
    /// The most an account may hold, far inside `Int`: sums never overflow.
    public static let maximumBalance = 1_000_000_000_000_000

    /// The issues of an account's name, an amount and a transfer's two accounts; `nil` values
    /// are the caller's to report.
    public static func issues(name: String? = nil, amountCents: Int? = nil, from: String? = nil, to: String? = nil) -> [FieldIssue] {
        var checks = FieldChecks()
        checks.text(name, "name", length: nameLength, trimmed: true)
        checks.number(amountCents, "amountCents", in: amount)
        if let from, from == to { checks.fail("toAccountId", "must be another account") }
        return checks.issues
    }

    static func require(_ issues: [FieldIssue]) throws(LedgerError) {
        guard issues.isEmpty else { throw .invalidInput(issues) }
    }
}
