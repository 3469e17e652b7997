import Foundation
import HTTPTypes
import Hummingbird
import Shop
import StrataHTTP
import StrataKit
import StrataStore

/// `/v1/products`: the catalog. Reads are public; changes need an admin.
public struct ProductsController<Context: StrataRequestContextProtocol>: Sendable {
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

    /// Adds the routes to `group` (mounted at `/v1/products`).
    public func addRoutes(to group: RouterGroup<Context>) {
        group.post(use: commands.handler(create))
        group.get(use: list)
        group.get(":id", use: show)
        group.patch(":id", use: commands.handler(update))
        group.post(":id/restock", use: commands.handler(restock))
        group.delete(":id", use: commands.handler(discontinue))
    }

    @Sendable func create(_ request: Request, context: Context, options: CommandOptions) async throws -> Response {
        let admin = try context.requireRole(adminRole)
        var fields = try await JSONBody.object(request, context: context, allowed: ["sku", "name", "description", "priceCents", "stock"])
        let sku = fields.string("sku")
        let name = fields.string("name")
        let description = fields.string("description", required: false)
        let price = fields.integer("priceCents")
        let stock = fields.integer("stock")
        fields.add(ProductRules.issues(sku: sku, name: name, description: description, priceCents: price, stock: stock))
        try fields.finish()
        guard let sku, let name, let price, let stock else { throw Problem.validationFailed(fields.errors) }
        let id = ShopService.newId()
        return try await options.answer(on: shop.app.store, render: answer(id: id, status: .created, location: "/v1/products/\(id)")) { followUp in
            try await shop.createProduct(
                id: id,
                sku: sku,
                name: name,
                description: description ?? "",
                priceCents: price,
                stock: stock,
                metadata: context.eventMetadata(userId: admin.userId),
                followUp: followUp
            )
        }
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let limit = try QueryParameter.integer(request, "limit", in: 1...100, default: 20)
        let after = request.uri.queryParameters.get("after")
        let query = request.uri.queryParameters.get("q")
        let search = query.flatMap { $0.isEmpty ? nil : $0 }
        let page = try await shop.reading { try $0.products(limit: limit, after: after, query: search) }
        let body = try KitCoding.encode(Listing(items: page.items, next: page.next))
        // The listing changes with any product change: its ETag is the position plus the query.
        let etag = "\"\(page.position)-\(ListingETag.fingerprint(request.uri.query ?? ""))\""
        return ConditionalGET.response(
            CachedView(body: body, etag: etag, position: page.position),
            request: request,
            cacheControl: ConditionalGET.publicCache
        )
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        let key = ShopViews.product.key(id)
        if let cached = cache.lookup(key) {
            return ConditionalGET.response(cached, request: request, cacheControl: ConditionalGET.publicCache)
        }
        // The read model's row is the product's JSON as the API shows it: sent as it is.
        guard let (json, version, position) = try await shop.reading({ try $0.productJSON(id: id) }) else { throw Problem.notFound("no product \(id)") }
        let view = CachedView(body: json, etag: ConditionalGET.etag(version), position: position)
        cache.store(view, for: key)
        return ConditionalGET.response(view, request: request, cacheControl: ConditionalGET.publicCache)
    }

    @Sendable func update(_ request: Request, context: Context, options: CommandOptions) async throws -> Response {
        let admin = try context.requireRole(adminRole)
        let id = try context.parameters.require("id")
        var fields = try await JSONBody.object(request, context: context, allowed: ["name", "description", "priceCents"])
        let name = fields.has("name") ? fields.string("name") : nil
        let description = fields.has("description") ? fields.string("description") : nil
        let price = fields.has("priceCents") ? fields.integer("priceCents") : nil
        fields.add(ProductRules.issues(name: name, description: description, priceCents: price))
        try fields.finish()
        // A request that is not understood is refused before its precondition is looked at.
        let expected = try Responses.expectedVersion(request)
        return try await options.answer(on: shop.app.store, render: answer(id: id, status: .ok)) { followUp in
            try await shop.updateProduct(
                id: id,
                name: name,
                description: description,
                priceCents: price,
                expectedVersion: expected,
                metadata: context.eventMetadata(userId: admin.userId),
                followUp: followUp
            )
        }
    }

    @Sendable func restock(_ request: Request, context: Context, options: CommandOptions) async throws -> Response {
        let admin = try context.requireRole(adminRole)
        let id = try context.parameters.require("id")
        var fields = try await JSONBody.object(request, context: context, allowed: ["quantity"])
        let quantity = fields.integer("quantity")
        fields.add(ProductRules.issues(restock: quantity))
        try fields.finish()
        let expected = try Responses.expectedVersion(request)
        guard let quantity else { throw Problem.validationFailed(fields.errors) }
        return try await options.answer(on: shop.app.store, render: answer(id: id, status: .ok)) { followUp in
            try await shop.restockProduct(
                id: id,
                quantity: quantity,
                expectedVersion: expected,
                metadata: context.eventMetadata(userId: admin.userId),
                followUp: followUp
            )
        }
    }

    @Sendable func discontinue(_ request: Request, context: Context, options: CommandOptions) async throws -> Response {
        let admin = try context.requireRole(adminRole)
        let id = try context.parameters.require("id")
        let expected = try Responses.expectedVersion(request)
        return try await options.answer(on: shop.app.store, render: Responses.noContentAnswer) { followUp in
            try await shop.discontinueProduct(
                id: id,
                expectedVersion: expected,
                metadata: context.eventMetadata(userId: admin.userId),
                followUp: followUp
            )
        }
    }

    /// Renders the product as the command left it (the inline read model already has it): its
    /// row's bytes, sent as they are.
    private func answer(id: String, status: HTTPResponse.Status, location: String? = nil) -> @Sendable (UInt64, (any StoreReading)?) throws -> StoredAnswer {
        { [shop] position, reader in
            guard let (json, version, _) = try shop.productJSON(id: id, in: reader) else { throw Problem.notFound("no product \(id)") }
            return Responses.command(json: json, status: status, position: position, etag: ConditionalGET.etag(version), location: location)
        }
    }

}

/// ETags of listings.
enum ListingETag {
    /// A short stable hash of a query string (FNV-1a), for list ETags.
    static func fingerprint(_ text: String) -> String {
        String(StableHash.fnv1a(text), radix: 16)
    }
}
