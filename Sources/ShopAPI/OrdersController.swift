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

    public init(shop: ShopService) {
        self.shop = shop
    }

    public func addRoutes(to group: RouterGroup<Context>) {
        group.post(use: place)
        group.get(use: list)
        group.get(":id", use: show)
        group.post(":id/pay", use: pay)
        group.post(":id/cancel", use: cancel)
        group.post(":id/ship", use: ship)
    }

    @Sendable func place(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.requireIdentity()
        var fields = try await JSONBody.object(request, context: context, allowed: ["items"])
        let items = Self.items(&fields)
        try fields.finish()
        let id = UUIDv7.make().uuidString.lowercased()
        return try await context.answerCommand(render: answer(id: id, status: .created, location: "/v1/orders/\(id)")) { followUp in
            try await shop.placeOrder(
                id: id,
                userId: identity.userId,
                items: items,
                metadata: context.eventMetadata(userId: identity.userId),
                followUp: followUp
            )
        }
    }

    /// The `items` of an order, checked line by line: 1–50 lines, each a known-shape object with a
    /// product id and a quantity of 1–1000, no product twice.
    static func items(_ fields: inout JSONFields) -> [Order.Item] {
        guard let value = fields.members["items"], value != .null else {
            fields.fail("items", "is required")
            return []
        }
        guard case .array(let lines) = value, (1...Order.maximumLines).contains(lines.count) else {
            fields.fail("items", "must be an array of 1–\(Order.maximumLines) lines")
            return []
        }
        var items: [Order.Item] = []
        var seen = Set<String>()
        for (index, line) in lines.enumerated() {
            let at = "items[\(index)]"
            guard case .object(let members) = line else {
                fields.fail(at, "must be an object")
                continue
            }
            for name in members.keys.sorted() where name != "productId" && name != "quantity" { fields.fail("\(at).\(name)", "unknown field") }
            guard case .string(let productId)? = members["productId"], (1...100).contains(productId.count) else {
                fields.fail("\(at).productId", "must be a product id")
                continue
            }
            guard case .integer(let quantity)? = members["quantity"], (1...Int64(Order.maximumQuantity)).contains(quantity) else {
                fields.fail("\(at).quantity", "must be an integer 1–\(Order.maximumQuantity)")
                continue
            }
            guard seen.insert(productId).inserted else {
                fields.fail("\(at).productId", "appears on another line")
                continue
            }
            items.append(Order.Item(productId: productId, quantity: Int(quantity)))
        }
        return items
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
        let isAdmin = identity.role == Role.admin.rawValue
        let filter: String? = request.uri.queryParameters.get("userId")
        let userId: String? = isAdmin ? filter : identity.userId
        let after: String? = request.uri.queryParameters.get("after")
        let page = try shop.orders(userId: userId, status: status, limit: limit, after: after)
        let body = try KitCoding.encoder().encode(Listing(items: page.items, next: page.next))
        let etag = "\"\(page.position)-\(ProductRules.fingerprint((request.uri.query ?? "") + "|" + identity.userId))\""
        return ConditionalGET.response(
            CachedView(body: Array(body), etag: etag, position: page.position),
            request: request,
            cacheControl: ConditionalGET.privateCache
        )
    }

    /// An order, through the view cache: the body under `order/<id>` (dropped by the orders
    /// projection when the order changes) and its owner, which never changes, under `orderOwner/<id>`.
    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id")
        let isAdmin = identity.role == Role.admin.rawValue
        if let owner = shop.cache.lookup(ViewKey(view: "orderOwner", key: id)), isAdmin || owner.body == Array(identity.userId.utf8),
            let cached = shop.cache.lookup(ViewKey(view: "order", key: id))
        {
            return ConditionalGET.response(cached, request: request, cacheControl: ConditionalGET.privateCache)
        }
        let (record, position) = try visibleOrder(id, to: identity)
        let view = CachedView(body: Array(try KitCoding.encoder().encode(record)), etag: ConditionalGET.etag(record.version), position: position)
        shop.cache.store(view, for: ViewKey(view: "order", key: id))
        shop.cache.store(CachedView(body: Array(record.userId.utf8), etag: "", position: position), for: ViewKey(view: "orderOwner", key: id))
        return ConditionalGET.response(view, request: request, cacheControl: ConditionalGET.privateCache)
    }

    @Sendable func pay(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id")
        let expected = try Responses.expectedVersion(request)
        return try await context.answerCommand(render: answer(id: id, status: .ok)) { followUp in
            try await shop.payOrder(
                id: id,
                by: identity.userId,
                expectedVersion: expected,
                metadata: context.eventMetadata(userId: identity.userId),
                followUp: followUp
            )
        }
    }

    @Sendable func cancel(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.requireIdentity()
        let id = try context.parameters.require("id")
        let expected = try Responses.expectedVersion(request)
        return try await context.answerCommand(render: answer(id: id, status: .ok)) { followUp in
            try await shop.cancelOrder(
                id: id,
                by: identity.userId,
                isAdmin: identity.role == Role.admin.rawValue,
                expectedVersion: expected,
                metadata: context.eventMetadata(userId: identity.userId),
                followUp: followUp
            )
        }
    }

    @Sendable func ship(_ request: Request, context: Context) async throws -> Response {
        let identity = try context.requireRole(Role.admin.rawValue)
        let id = try context.parameters.require("id")
        guard try shop.order(id: id) != nil else { throw Problem.notFound("no order \(id)") }
        let expected = try Responses.expectedVersion(request)
        return try await context.answerCommand(render: answer(id: id, status: .ok)) { followUp in
            try await shop.shipOrder(
                id: id,
                expectedVersion: expected,
                metadata: context.eventMetadata(userId: identity.userId),
                followUp: followUp
            )
        }
    }

    /// The order if `identity` may see it (its owner or an admin); a 404 otherwise.
    private func visibleOrder(_ id: String, to identity: Identity) throws -> (OrderRecord, UInt64) {
        guard let (record, position) = try shop.order(id: id), record.userId == identity.userId || identity.role == Role.admin.rawValue else {
            throw Problem.notFound("no order \(id)")
        }
        return (record, position)
    }

    /// Renders the order as the command left it (the inline read model already has it).
    private func answer(id: String, status: HTTPResponse.Status, location: String? = nil) -> @Sendable (UInt64, (any StoreReading)?) throws -> StoredAnswer {
        { [shop] position, reader in
            guard let (record, _) = try shop.order(id: id, in: reader) else { throw Problem.notFound("no order \(id)") }
            return try Responses.command(record, status: status, position: position, etag: ConditionalGET.etag(record.version), location: location)
        }
    }

}
