/// Who may act, as the HTTP layer needs to know it: the module that keeps users (the identity
/// module) provides it, and the authentication middleware asks it on every request with a token.
public protocol CallerDirectory: Sendable {
    /// Whether the verified `caller` may still act: its account is active and its session (when
    /// its token names one) has not ended.
    func mayAct(_ caller: Identity) async throws -> Bool
    /// The role whose holders may use admin routes (events, projections, other users).
    var adminRole: String { get }
    /// The role of other systems' accounts, confined to the routes the server opens to them
    /// (consumer groups).
    var serviceRole: String { get }
}

extension CallerDirectory {
    /// `service`.
    public var serviceRole: String { "service" }
}

/// A directory that accepts every verified token, for servers and tests without users.
public struct AnyVerifiedCaller: CallerDirectory {
    public let adminRole: String

    public init(adminRole: String = "admin") { self.adminRole = adminRole }

    public func mayAct(_ caller: Identity) async throws -> Bool { true }
}
