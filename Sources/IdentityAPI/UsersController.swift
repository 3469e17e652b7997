import Foundation
import HTTPTypes
import Hummingbird
import Identity
import StrataHTTP
import StrataKit
import StrataStore

/// A user as the API shows it: personal fields opened, `null` once erased; never a password hash.
struct UserBody: Encodable {
    var id: String
    var name: String?
    var email: String?
    var role: Role
    var status: UserStatus
    var createdAt: Date

    init(_ record: UserRecord) {
        id = record.id
        name = record.name.value
        email = record.email.value
        role = record.role
        status = record.status
        createdAt = record.createdAt
    }

    private enum CodingKeys: String, CodingKey {
        case id, name, email, role, status, createdAt
    }

    /// Erased fields are `null`, not missing, as the API promises.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(email, forKey: .email)
        try container.encode(role, forKey: .role)
        try container.encode(status, forKey: .status)
        try container.encode(createdAt, forKey: .createdAt)
    }
}

/// `/v1/users`: sign-up, the caller's account, and admin look-ups.
public struct UsersController<Context: StrataRequestContextProtocol>: Sendable {
    let users: IdentityService
    let commands: CommandRoutes
    let cache: ResponseCache
    let credentials: Credentials

    public init(users: IdentityService, commands: CommandRoutes, cache: ResponseCache, credentials: Credentials) {
        self.users = users
        self.commands = commands
        self.cache = cache
        self.credentials = credentials
    }

    public func addRoutes(to group: RouterGroup<Context>) {
        group.post(use: commands.handler(register))
        group.get(use: findByEmail)
        group.get("me", use: me)
        group.get(":id", use: show)
        group.post(":id/deactivate", use: commands.handler(deactivate))
        group.delete("me", use: commands.handler(eraseSelf))
        group.post(":id/erase", use: commands.handler(erase))
    }

    @Sendable func register(_ request: Request, context: Context, options: CommandOptions) async throws -> Response {
        var fields = try await JSONBody.object(request, context: context, allowed: ["name", "email", "password"])
        let name = fields.string("name")
        let email = fields.string("email")
        let password = fields.string("password")
        fields.add(UserRules.issues(name: name, email: email, password: password))
        try fields.finish()
        guard let name, let email, let password else { throw Problem.validationFailed(fields.errors) }
        let id = IdentityService.newId()
        let hash = try await credentials.hash(password)
        return try await options.answer(on: users.app.store, render: answer(id: id, status: .created, location: "/v1/users/\(id)")) { followUp in
            try await users.registerUser(
                id: id,
                name: name,
                email: email,
                role: .customer,
                passwordHash: hash,
                metadata: context.eventMetadata(userId: id),
                followUp: followUp
            )
        }
    }

    @Sendable func me(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.requireIdentity()
        return try await userResponse(identity.userId, request: request)
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(Role.admin.rawValue)
        return try await userResponse(try context.parameters.require("id"), request: request)
    }

    /// `GET /v1/users?email=`: `{items: [user]}` with the user registered with that email, or none.
    @Sendable func findByEmail(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(Role.admin.rawValue)
        guard let email = request.uri.queryParameters.get("email"), (1...254).contains(email.count) else {
            throw Problem.invalidParameter("email", "is required, 1–254 characters")
        }
        let (record, position) = try await users.reading { try $0.user(email: String(email)) }
        let items = record.map { [UserBody($0)] } ?? []
        let view = CachedView(
            body: try KitCoding.encode(["items": items]),
            etag: record.map { "\"\($0.id).\($0.version)\"" } ?? "\"none.\(position)\"",
            position: position
        )
        return ConditionalGET.response(view, request: request, cacheControl: ConditionalGET.privateCache)
    }

    @Sendable func deactivate(_ request: Request, context: Context, options: CommandOptions) async throws -> Response {
        let admin = try context.requireRole(Role.admin.rawValue)
        let id = try context.parameters.require("id")
        guard try await users.reading({ try $0.user(id: id) }) != nil else { throw Problem.notFound("no user \(id)") }
        return try await options.answer(on: users.app.store, render: answer(id: id, status: .ok)) { followUp in
            try await users.deactivateUser(id: id, metadata: context.eventMetadata(userId: admin.userId), followUp: followUp)
        }
    }

    /// Erases the caller's personal data (crypto-shredding): their key is destroyed, sessions
    /// revoked, email released; orders stay.
    @Sendable func eraseSelf(_ request: Request, context: Context, options: CommandOptions) async throws -> Response {
        let identity = try context.requireIdentity()
        return try await options.answer(on: users.app.store, render: Responses.noContentAnswer) { followUp in
            try await users.eraseUser(id: identity.userId, metadata: context.eventMetadata(userId: identity.userId), followUp: followUp)
        }
    }

    /// The same for any user, by an admin.
    @Sendable func erase(_ request: Request, context: Context, options: CommandOptions) async throws -> Response {
        let admin = try context.requireRole(Role.admin.rawValue)
        let id = try context.parameters.require("id")
        guard try await users.reading({ try $0.user(id: id) }) != nil else { throw Problem.notFound("no user \(id)") }
        return try await options.answer(on: users.app.store, render: Responses.noContentAnswer) { followUp in
            try await users.eraseUser(id: id, metadata: context.eventMetadata(userId: admin.userId), followUp: followUp)
        }
    }

    /// Renders the user as the command left it (the inline read model already has it).
    private func answer(id: String, status: HTTPResponse.Status, location: String? = nil) -> @Sendable (UInt64, (any StoreReading)?) throws -> StoredAnswer {
        { [users] position, reader in
            guard let (record, _) = try users.user(id: id, in: reader) else { throw Problem.notFound("no user \(id)") }
            return try Responses.command(UserBody(record), status: status, position: position, location: location)
        }
    }

    /// A user's view, through the view cache (the users projection drops it when the user changes).
    private func userResponse(_ id: String, request: Request) async throws -> Response {
        let key = IdentityViews.user.key(id)
        if let cached = cache.lookup(key) {
            return ConditionalGET.response(cached, request: request, cacheControl: ConditionalGET.privateCache)
        }
        guard let (record, position) = try await users.reading({ try $0.user(id: id) }) else { throw Problem.notFound("no user \(id)") }
        let view = CachedView(
            body: try KitCoding.encode(UserBody(record)),
            etag: ConditionalGET.etag(record.version),
            position: position
        )
        cache.store(view, for: key)
        return ConditionalGET.response(view, request: request, cacheControl: ConditionalGET.privateCache)
    }
}
