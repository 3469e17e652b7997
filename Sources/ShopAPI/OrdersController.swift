import Foundation
import HTTPTypes
import Hummingbird
import Shop
import StrataHTTP
import StrataKit
import StrataStore

/// `/v1/orders`: placing, reading and moving orders. A customer sees only their own orders;
/// another user's order is a 404, never a 403, so its existence does not leak.
public struct OrdersController<Context: StrataRequestContextProtocol>: Sendable {
    let shop: ShopService
    let commands: CommandRoutes
    let cache: ResponseCache
    /// The role of admins (the server's ``CallerDirectory/adminRole``).
    let adminRole: String

    public init(shop: ShopService, commands: CommandRoutes, cache: ResponseCache, adminRole: String) {
        self.shop = shop
        self.commands = commands
        self.cache = cache
        self.adminRole = adminRole
    }

    public func addRoutes(to group: RouterGroup<Context>) {
        group.post(use: commands.handler(place))
        group.get(use: list)
        group.get(":id", use: show)
        group.post(":id/pay", use: commands.handler(pay))
        group.post(":id/cancel", use: commands.handler(cancel))
        group.post(":id/ship", use: commands.handler(ship))
    }

    @Sendable func place(_ request: Request, context: Context, options: CommandOptions) async throws -> Response {
        let identity = try context.requireIdentity()
        var fields = try await JSONBody.object(request, context: context, allowed: ["items"])
        let items = Self.items(&fields)
        try fields.finish()
        let id = ShopService.newId()
        return try await options.answer(on: shop.app.store, render: answer(id: id, status: .created, location: "/v1/orders/\(id)")) { followUp in
            try await shop.placeOrder(
                id: id,
                userId: identity.userId,
                items: items,
                metadata: context.eventMetadata(userId: identity.userId),
                followUp: followUp
            )
        }
    }

    /// The `items` of an order: an array of objects with a string `productId` and an integer
    /// `quantity` and no other fields; the shop checks the values (``OrderRules``).
    static func items(_ fields: inout JSONFields) -> [Order.Item] {
        guard let value = fields.members["items"], value != .null else {
            fields.fail("items", "is required")
            return []
        }
        guard case .array(let elements) = value else {
            fields.fail("items", "must be an array of \(OrderRules.lines.lowerBound)–\(OrderRules.lines.upperBound) lines")
            return []
        }
        var lines: [OrderRules.Line] = []
        for (index, element) in elements.enumerated() {
            let at = "items[\(index)]"
            guard case .object(let members) = element else {
                fields.fail(at, "must be an object")
                continue
            }
            for name in members.keys.sorted() where name != "productId" && name != "quantity" { fields.fail("\(at).\(name)", "unknown field") }
            var line = OrderRules.Line(productId: nil, quantity: nil)
            if case .string(let productId)? = members["productId"] { line.productId = productId } else { fields.fail("\(at).productId", "must be a product id") }
            if case .integer(let quantity)? = members["quantity"], let exact = Int(exactly: quantity) {
                line.quantity = exact
            } else {
                fields.fail("\(at).quantity", "must be an integer")
            }
            lines.append(line)
        }
        fields.add(OrderRules.issues(lines))
        return lines.compactMap { line in line.productId.flatMap { id in line.quantity.map { Order.Item(productId: id, quantity: $0) } } }
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.requireIdentity()
        let limit = try QueryParameter.integer(request, "limit", in: 1...100, default: 20)
        var status: OrderStatus?
        if let text = request.uri.queryParameters.get("status") {
            guard let parsed = OrderStatus(rawValue: text) else {
                throw Problem.invalidParameter("status", "must be placed, paid, cancelled or shipped")
            }
            status = parsed
        }
        let isAdmin = identity.role == adminRole
        let filter: String? = request.uri.queryParameters.get("userId")
        let userId: String? = isAdmin ? filter : identity.userId
        let after: String? = request.uri.queryParameters.get("after")
        let wanted = status
        let page = try await shop.reading { try $0.orders(userId: userId, status: wanted, limit: limit, after: after) }
        let body = try KitCoding.encode(Listing(items: page.items, next: page.next))
        let etag = "\"\(page.position)-\(ListingETag.fingerprint((request.uri.query ?? "") + "|" + identity.userId))\""
        return ConditionalGET.response(
            CachedView(body: body, etag: etag, position: page.position),
            request: request,
            cacheControl: ConditionalGET.privateCache
        )
    }

    /// An order, through the view cache: the body under `order/<id>` (dropped by the orders
    /// projection when the order changes) and its owner, which never changes, under `orderOwner/<id>`.
    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id")
        let isAdmin = identity.role == adminRole
        if let owner = cache.lookup(ShopViews.orderOwner.key(id)), isAdmin || owner.body == Array(identity.userId.utf8),
            let cached = cache.lookup(ShopViews.order.key(id))
        {
            return ConditionalGET.response(cached, request: request, cacheControl: ConditionalGET.privateCache)
        }
        let (record, position) = try await visibleOrder(id, to: identity)
        let view = CachedView(body: try KitCoding.encode(record), etag: ConditionalGET.etag(record.version), position: position)
        cache.store(view, for: ShopViews.order.key(id))
        cache.store(CachedView(body: Array(record.userId.utf8), etag: "", position: position), for: ShopViews.orderOwner.key(id))
        return ConditionalGET.response(view, request: request, cacheControl: ConditionalGET.privateCache)
    }

    @Sendable func pay(_ request: Request, context: Context, options: CommandOptions) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id")
        let expected = try Responses.expectedVersion(request)
        return try await options.answer(on: shop.app.store, render: answer(id: id, status: .ok)) { followUp in
            try await shop.payOrder(
                id: id,
                by: identity.userId,
                expectedVersion: expected,
                metadata: context.eventMetadata(userId: identity.userId),
                followUp: followUp
            )
        }
    }

    @Sendable func cancel(_ request: Request, context: Context, options: CommandOptions) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id")
        let expected = try Responses.expectedVersion(request)
        return try await options.answer(on: shop.app.store, render: answer(id: id, status: .ok)) { followUp in
            try await shop.cancelOrder(
                id: id,
                by: identity.userId,
                isAdmin: identity.role == adminRole,
                expectedVersion: expected,
                metadata: context.eventMetadata(userId: identity.userId),
                followUp: followUp
            )
        }
    }

    @Sendable func ship(_ request: Request, context: Context, options: CommandOptions) async throws -> Response {
        let identity = try context.requireRole(adminRole)
        let id = try context.parameters.require("id")
        guard try await shop.reading({ try $0.order(id: id) }) != nil else { throw Problem.notFound("no order \(id)") }
        let expected = try Responses.expectedVersion(request)
        return try await options.answer(on: shop.app.store, render: answer(id: id, status: .ok)) { followUp in
            try await shop.shipOrder(
                id: id,
                expectedVersion: expected,
                metadata: context.eventMetadata(userId: identity.userId),
                followUp: followUp
            )
        }
    }

    /// The order if `identity` may see it (its owner or an admin); a 404 otherwise.
    private func visibleOrder(_ id: String, to identity: Identity) async throws -> (OrderRecord, UInt64) {
        guard let (record, position) = try await shop.reading({ try $0.order(id: id) }), record.userId == identity.userId || identity.role == adminRole else {
            throw Problem.notFound("no order \(id)")
        }
        return (record, position)
    }

    /// Renders the order as the command left it (the inline read model already has it).
    private func answer(id: String, status: HTTPResponse.Status, location: String? = nil) -> @Sendable (UInt64, (any StoreReading)?) throws -> StoredAnswer {
        { [shop] position, reader in
            // The read model's row is the order's JSON as the API shows it: sent as it is.
            guard let (json, version) = try shop.orderJSON(id: id, in: reader) else { throw Problem.notFound("no order \(id)") }
            return Responses.command(json: json, status: status, position: position, etag: ConditionalGET.etag(version), location: location)
        }
    }

}
