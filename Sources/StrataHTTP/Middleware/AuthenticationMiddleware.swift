import HTTPTypes
import Hummingbird

/// Verifies `Authorization: Bearer <token>` when present and sets the caller's identity; a
/// present but invalid token is a 401 at once. Routes decide what they need with
/// ``StrataRequestContextProtocol/requireIdentity()`` and ``StrataRequestContextProtocol/requireRole(_:)``.
public struct AuthenticationMiddleware<Context: StrataRequestContextProtocol>: RouterMiddleware {
    let tokens: TokenService
    /// Checks a verified identity further: that the user is still active, its session open.
    let callers: any CallerDirectory

    public init(tokens: TokenService, callers: any CallerDirectory = AnyVerifiedCaller()) {
        self.tokens = tokens
        self.callers = callers
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { throw Problem.unauthorized("use Authorization: Bearer <token>") }
        let identity = try await tokens.verify(String(parts[1]))
        guard try await callers.mayAct(identity) else { throw Problem.unauthorized("the session has ended or the account can no longer sign in") }
        var context = context
        context.identity = identity
        return try await next(request, context)
    }
}
