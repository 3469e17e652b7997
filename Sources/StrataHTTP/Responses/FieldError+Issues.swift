import StrataKit

extension FieldError {
    /// A domain's input issue as the API reports it.
    public init(_ issue: FieldIssue) {
        self.init(field: issue.field, message: issue.message)
    }
}

extension JSONFields {
    /// Adds a domain's verdict on the values read so far, so one 422 names every failing field.
    public mutating func add(_ issues: [FieldIssue]) {
        for issue in issues { fail(issue.field, issue.message) }
    }
}
