import HTTPTypes
import Hummingbird

/// Verifies `Authorization: Bearer <token>` when present and sets the caller's identity; a
/// present but invalid token is a 401 at once. A caller of the directory's service role reaches
/// only the paths under `serviceRoutes` (403 elsewhere). Routes decide what else they need with
/// ``StrataRequestContextProtocol/requireIdentity()`` and ``StrataRequestContextProtocol/requireRole(_:)``.
public struct AuthenticationMiddleware<Context: StrataRequestContextProtocol>: RouterMiddleware {
    let tokens: TokenService
    /// Checks a verified identity further: that the user is still active, its session open.
    let callers: any CallerDirectory
    /// The path prefixes open to the service role (each a whole path segment or more).
    let serviceRoutes: [String]

    public init(tokens: TokenService, callers: any CallerDirectory = AnyVerifiedCaller(), serviceRoutes: [String] = []) {
        self.tokens = tokens
        self.callers = callers
        self.serviceRoutes = serviceRoutes
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw Problem.unauthorized("use Authorization: Bearer <token>") }
        let identity = try await tokens.verify(String(parts[1]))
        guard try await callers.mayAct(identity) else { throw Problem.unauthorized("the session has ended or the account can no longer sign in") }
        if identity.role == callers.serviceRole, !isOpenToServices(request.uri.path) { throw Problem.forbidden }
        var context = context
        context.identity = identity
        return try await next(request, context)
    }

    private func isOpenToServices(_ path: String) -> Bool {
        serviceRoutes.contains { prefix in path == prefix || path.hasPrefix(prefix + "/") }
    }
}
