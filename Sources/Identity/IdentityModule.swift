import StrataKit

/// Users, sessions and roles as a module that every server shares: sign-up, sign-in with
/// rotating refresh tokens, deactivation, erasure by crypto-shredding, and the roster that keeps
/// one active admin.
public struct IdentityModule: StrataModule {
    public let name = "identity"

    public init() {}

    public let eventTypes: [any Event.Type] = [
        UserRegistered.self, UserRenamed.self, UserDeactivated.self, UserErased.self,
        SessionStarted.self, SessionRefreshed.self, SessionRevoked.self,
        AdminRosterStarted.self, AdminJoined.self, AdminLeft.self,
    ]

    public func projections(_ context: ModuleContext) -> [any Projection] {
        [UsersProjection(hasher: context.hasher), SessionsProjection()]
    }
}
