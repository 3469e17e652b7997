import StrataKit

/// The views of the identity module that caches keep, by the names its projections report
/// changes under.
public enum IdentityViews {
    /// A user's answer, by user id.
    public static let user: ViewName = "user"
    /// Whether a user may act, by user id.
    public static let userStatus: ViewName = "userStatus"
    /// Whether a session is still open, by session id.
    public static let sessionStatus: ViewName = "sessionStatus"
}
