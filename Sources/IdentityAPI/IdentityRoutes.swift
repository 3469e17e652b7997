import Hummingbird
import Identity
import StrataHTTP

/// The identity module's HTTP side, shared by every server: `/v1/users` and `/v1/sessions`, over
/// one ``IdentityService``, with password hashing and the sign-in rate limit.
public struct IdentityRoutes: Sendable {
    /// The users and sessions; also the server's ``CallerDirectory``.
    public let users: IdentityService
    public let credentials: Credentials
    public let limiter: SignInRateLimiter

    /// `limiter` defaults to one that counts in the app's store (shared by servers on one database).
    public init(users: IdentityService, credentials: Credentials = Credentials(), limiter: SignInRateLimiter? = nil) {
        self.users = users
        self.credentials = credentials
        self.limiter = limiter ?? SignInRateLimiter(store: users.app.store)
    }

    /// Adds the users' and sessions' routes.
    public func addRoutes<Context: StrataRequestContextProtocol>(
        to router: Router<Context>,
        commands: CommandRoutes,
        cache: ResponseCache,
        tokens: TokenService
    ) {
        UsersController(users: users, commands: commands, cache: cache, credentials: credentials).addRoutes(to: router.group("/v1/users"))
        SessionsController(users: users, commands: commands, tokens: tokens, credentials: credentials, limiter: limiter)
            .addRoutes(to: router.group("/v1/sessions"))
    }
}
