import StrataKit

/// What the identity module's decisions refuse. The HTTP edge maps each to its status and
/// problem code.
public enum IdentityError: Error, Sendable, Hashable {
    /// No such user or session — or one the caller may not see.
    case notFound
    /// A user or session with that id exists already.
    case alreadyExists
    /// The email address is registered to another user.
    case emailTaken
    /// The user is not in a state that allows this (the message says which).
    case invalidState(String)
    /// The refresh token is unknown, rotated, expired or revoked; the user is inactive.
    case invalidSession
    /// The last active admin cannot be deactivated or erased: nobody would be left to operate.
    case lastAdmin
    /// Input the module does not accept: every failing field.
    case invalidInput([FieldIssue])
}
