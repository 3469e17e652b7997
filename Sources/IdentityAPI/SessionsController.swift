import Foundation
import HTTPTypes
import Hummingbird
import Identity
import StrataHTTP
import StrataKit
import StrataStore

/// `/v1/sessions`: sign-in, refresh with rotation, sign-out.
public struct SessionsController<Context: StrataRequestContextProtocol>: Sendable {
    let users: IdentityService
    let commands: CommandRoutes
    let tokens: TokenService
    let credentials: Credentials
    let limiter: SignInRateLimiter
    /// How long a refresh token lives.
    let refreshLifetime: TimeInterval

    public init(
        users: IdentityService,
        commands: CommandRoutes,
        tokens: TokenService,
        credentials: Credentials,
        limiter: SignInRateLimiter,
        refreshLifetime: TimeInterval = 30 * 24 * 3600
    ) {
        self.users = users
        self.commands = commands
        self.tokens = tokens
        self.credentials = credentials
        self.limiter = limiter
        self.refreshLifetime = refreshLifetime
    }

    public func addRoutes(to group: RouterGroup<Context>) {
        group.post(use: commands.handler(signIn))
        group.post("refresh", use: commands.handler(refresh))
        group.delete("current", use: commands.handler(signOut))
    }

    struct TokenPair: Encodable {
        var accessToken: String
        var tokenType = "Bearer"
        var expiresIn: Int
        var refreshToken: String
    }

    @Sendable func signIn(_ request: Request, context: Context, options: CommandOptions) async throws -> Response {
        var fields = try await JSONBody.object(request, context: context, allowed: ["email", "password"])
        let email = fields.string("email", trimmed: true, length: 1...254)
        let password = fields.string("password", length: 1...128)
        try fields.finish()
        guard let email, let password else { throw Problem.validationFailed(fields.errors) }
        let key = "\(context.clientAddress)|\(email.lowercased())"
        try await limiter.check(key)
        let (userId, hash) = try await users.reading { users in
            let userId = try users.userId(forEmail: email)
            return (userId, try userId.flatMap { try users.passwordHash(userId: $0) })
        }
        guard try await credentials.verify(password, hash: hash), let userId, let (user, _) = try await users.reading({ try $0.user(id: userId) }), user.status == .active else {
            try await limiter.recordFailure(key)
            throw Problem(
                status: .unauthorized,
                code: "invalid_credentials",
                detail: "wrong email or password",
                headers: ["WWW-Authenticate": "Bearer"]
            )
        }
        try await limiter.reset(key)
        let sessionId = IdentityService.newId()
        let refreshToken = Credentials.newRefreshToken()
        let access = try await tokens.issue(for: Identity(userId: userId, role: user.role.rawValue, sessionId: sessionId))
        let pair = TokenPair(accessToken: access.token, expiresIn: access.expiresIn, refreshToken: refreshToken)
        return try await options.answer(on: users.app.store, render: { position, _ in try Responses.command(pair, position: position) }) { followUp in
            try await users.startSession(
                id: sessionId,
                userId: userId,
                refreshTokenHash: Credentials.tokenHash(refreshToken),
                expiresAt: Date().addingTimeInterval(refreshLifetime),
                metadata: context.eventMetadata(userId: userId),
                followUp: followUp
            )
        }
    }

    @Sendable func refresh(_ request: Request, context: Context, options: CommandOptions) async throws -> Response {
        var fields = try await JSONBody.object(request, context: context, allowed: ["refreshToken"])
        let presented = fields.string("refreshToken", length: 1...512)
        try fields.finish()
        guard let presented else { throw Problem.validationFailed(fields.errors) }
        let next = Credentials.newRefreshToken()
        // The new access token is made first, so that the answer can be stored with the rotation;
        // it is never sent if the rotation is refused.
        let tokenHash = Credentials.tokenHash(presented)
        guard let session = try await users.reading({ try $0.session(tokenHash: tokenHash) }),
            let (user, _) = try await users.reading({ try $0.user(id: session.userId) })
        else {
            throw IdentityError.invalidSession
        }
        let access = try await tokens.issue(for: Identity(userId: user.id, role: user.role.rawValue, sessionId: session.sessionId))
        let pair = TokenPair(accessToken: access.token, expiresIn: access.expiresIn, refreshToken: next)
        return try await options.answer(on: users.app.store, render: { position, _ in try Responses.command(pair, position: position) }) { followUp in
            try await users.refreshSession(
                presentedHash: Credentials.tokenHash(presented),
                newHash: Credentials.tokenHash(next),
                expiresAt: Date().addingTimeInterval(refreshLifetime),
                metadata: context.eventMetadata(userId: nil),
                followUp: followUp
            )
        }
    }

    @Sendable func signOut(_ request: Request, context: Context, options: CommandOptions) async throws -> Response {
        let identity = try context.requireIdentity()
        guard let sessionId = identity.sessionId else { throw Problem.unauthorized("the token names no session") }
        return try await options.answer(on: users.app.store, render: Responses.noContentAnswer) { followUp in
            try await users.revokeSession(id: sessionId, reason: .signedOut, metadata: context.eventMetadata(userId: identity.userId), followUp: followUp)
        }
    }
}
