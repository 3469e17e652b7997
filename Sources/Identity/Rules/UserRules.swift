import StrataKit
/// What a user's input must be: the one place these rules live.
public enum UserRules {
    public static let nameLength = 1...100
    public static let emailLength = 3...254
    public static let passwordLength = 8...128

    /// The issues of a sign-up; `nil` values (absent or mistyped) are left to the caller's report.
    public static func issues(name: String?, email: String?, password: String?) -> [FieldIssue] {
        var checks = FieldChecks()
        checks.text(name, "name", length: nameLength, trimmed: true)
        if let email = checks.text(email, "email", length: emailLength, trimmed: true), !EmailAddress.isValid(email) {
            checks.fail("email", "is not a valid email address")
        }
        checks.text(password, "password", length: passwordLength)
        return checks.issues
    }

    /// Checks a user's name and email as the domain stores them (the name trimmed, the email
    /// trimmed and lower-cased).
    static func check(name: String, email: String) throws(IdentityError) -> (name: String, email: String) {
        var checks = FieldChecks()
        let name = checks.text(name, "name", length: nameLength, trimmed: true)
        let email = checks.text(email, "email", length: emailLength, trimmed: true)
        if let email, !EmailAddress.isValid(email) { checks.fail("email", "is not a valid email address") }
        try checks.finish(or: IdentityError.invalidInput)
        return (name ?? "", (email ?? "").lowercased())
    }
}
