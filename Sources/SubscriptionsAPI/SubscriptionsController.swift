import Foundation
import HTTPTypes
import Hummingbird
import StrataHTTP
import StrataKit
import StrataSubscriptions

/// `/v1/subscriptions`: consumer groups — admins make, change and delete them and see what is
/// parked; admins and services read them, poll, acknowledge and refuse deliveries.
public struct SubscriptionsController<Context: StrataRequestContextProtocol>: Sendable {
    let groups: ConsumerGroups
    let adminRole: String
    let serviceRole: String

    /// The routes over `groups`, for callers of `adminRole` and `serviceRole`.
    public init(groups: ConsumerGroups, adminRole: String, serviceRole: String) {
        self.groups = groups
        self.adminRole = adminRole
        self.serviceRole = serviceRole
    }

    /// The paths these routes are under: what the service role may reach.
    public static var path: String { "/v1/subscriptions" }

    /// Adds the routes under ``path``.
    public func addRoutes(to router: Router<Context>) {
        let group = router.group(RouterPath(Self.path))
        group.get(use: list)
        group.put(":group", use: put)
        group.get(":group", use: show)
        group.delete(":group", use: delete)
        group.post(":group/poll", use: poll)
        group.post(":group/ack", use: ack)
        group.post(":group/nack", use: nack)
        group.get(":group/parked", use: parked)
        group.post(":group/parked/:position/replay", use: replay)
        group.post(":group/parked/:position/skip", use: skip)
    }

    private var readers: [String] { [adminRole, serviceRole] }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(in: readers)
        return try JSONResponse.make(Listing(items: try await groups.list(), next: nil))
    }

    @Sendable func put(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(adminRole)
        let name = try context.parameters.require("group")
        var fields = try await JSONBody.object(request, context: context, allowed: GroupBody.settingsFields)
        let settings = GroupBody.settings(&fields)
        if !GroupRules.isGroupName(name) { fields.fail("group", "must be 1–64 of a-z 0-9 - _ .") }
        try fields.finish()
        let outcome = try await groups.put(name, settings: settings)
        var headers = HTTPFields()
        if outcome == .created { headers[.location] = "\(Self.path)/\(name)" }
        return try JSONResponse.make(try await groups.status(name), status: outcome == .created ? .created : .ok, headers: headers)
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(in: readers)
        return try JSONResponse.make(try await groups.status(try context.parameters.require("group")))
    }

    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(adminRole)
        try await groups.delete(try context.parameters.require("group"))
        return Response(status: .noContent, headers: [.cacheControl: "no-store"])
    }

    /// `GET …/parked?after=&limit=`
    @Sendable func parked(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(adminRole)
        let name = try context.parameters.require("group")
        let after = try QueryParameter.position(request, "after") ?? 0
        let limit = try QueryParameter.integer(request, "limit", in: 1...1000, default: 100)
        let found = try await groups.parked(name, after: after, limit: limit + 1)
        let page = Array(found.prefix(limit))
        return try JSONResponse.make(Listing(items: page, next: found.count > limit ? page.last.map { String($0.position) } : nil))
    }

    @Sendable func replay(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(adminRole)
        let name = try context.parameters.require("group")
        try await groups.replay(name, position: try parkedPosition(context))
        return Response(status: .noContent, headers: [.cacheControl: "no-store"])
    }

    /// `POST …/parked/{position}/skip` (beyond the contract, for the console): gives up on it.
    @Sendable func skip(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(adminRole)
        let name = try context.parameters.require("group")
        try await groups.skipParked(name, position: try parkedPosition(context))
        return Response(status: .noContent, headers: [.cacheControl: "no-store"])
    }

    private func parkedPosition(_ context: Context) throws -> UInt64 {
        guard let position = UInt64(try context.parameters.require("position")) else { throw Problem.notFound("no such parked message") }
        return position
    }
}
