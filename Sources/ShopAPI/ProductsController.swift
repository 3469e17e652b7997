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

    public init(shop: ShopService) {
        self.shop = shop
    }

    /// Adds the routes to `group` (mounted at `/v1/products`).
    public func addRoutes(to group: RouterGroup<Context>) {
        group.post(use: create)
        group.get(use: list)
        group.get(":id", use: show)
        group.patch(":id", use: update)
        group.post(":id/restock", use: restock)
        group.delete(":id", use: discontinue)
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let admin = try context.requireRole(Role.admin.rawValue)
        var fields = try await JSONBody.object(request, context: context, allowed: ["sku", "name", "description", "priceCents", "stock"])
        let sku = fields.string("sku", length: 1...64)
        if let sku, !sku.allSatisfy(ProductRules.skuCharacters.contains) { fields.fail("sku", "may only contain A-Z a-z 0-9 - _ .") }
        let name = fields.string("name", trimmed: true, length: 1...200)
        let description = fields.string("description", required: false, length: 0...2000)
        let price = fields.integer("priceCents", in: 0...100_000_000)
        let stock = fields.integer("stock", in: 0...Product.maximumStock)
        try fields.finish()
        guard let sku, let name, let price, let stock else { throw Problem.validationFailed(fields.errors) }
        let id = UUIDv7.make().uuidString.lowercased()
        return try await context.answerCommand(render: answer(id: id, status: .created, location: "/v1/products/\(id)")) { followUp in
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
        let page = try shop.products(limit: limit, after: after, query: query.flatMap { $0.isEmpty ? nil : $0 })
        let body = try KitCoding.encoder().encode(Listing(items: page.items, next: page.next))
        // The listing changes with any product change: its ETag is the position plus the query.
        let etag = "\"\(page.position)-\(ProductRules.fingerprint(request.uri.query ?? ""))\""
        return ConditionalGET.response(
            CachedView(body: Array(body), etag: etag, position: page.position),
            request: request,
            cacheControl: ConditionalGET.publicCache
        )
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        let key = ViewKey(view: "product", key: id)
        if let cached = shop.cache.lookup(key) {
            return ConditionalGET.response(cached, request: request, cacheControl: ConditionalGET.publicCache)
        }
        guard let (record, position) = try shop.product(id: id) else { throw Problem.notFound("no product \(id)") }
        let view = CachedView(body: Array(try KitCoding.encoder().encode(record)), etag: ConditionalGET.etag(record.version), position: position)
        shop.cache.store(view, for: key)
        return ConditionalGET.response(view, request: request, cacheControl: ConditionalGET.publicCache)
    }

    @Sendable func update(_ request: Request, context: Context) async throws -> Response {
        let admin = try context.requireRole(Role.admin.rawValue)
        let id = try context.parameters.require("id")
        var fields = try await JSONBody.object(request, context: context, allowed: ["name", "description", "priceCents"])
        let name = fields.has("name") ? fields.string("name", trimmed: true, length: 1...200) : nil
        let description = fields.has("description") ? fields.string("description", length: 0...2000) : nil
        let price = fields.has("priceCents") ? fields.integer("priceCents", in: 0...100_000_000) : nil
        try fields.finish()
        // A request that is not understood is refused before its precondition is looked at.
        let expected = try Responses.expectedVersion(request)
        return try await context.answerCommand(render: answer(id: id, status: .ok)) { followUp in
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

    @Sendable func restock(_ request: Request, context: Context) async throws -> Response {
        let admin = try context.requireRole(Role.admin.rawValue)
        let id = try context.parameters.require("id")
        var fields = try await JSONBody.object(request, context: context, allowed: ["quantity"])
        let quantity = fields.integer("quantity", in: 1...1_000_000)
        try fields.finish()
        let expected = try Responses.expectedVersion(request)
        guard let quantity else { throw Problem.validationFailed(fields.errors) }
        return try await context.answerCommand(render: answer(id: id, status: .ok)) { followUp in
            try await shop.restockProduct(
                id: id,
                quantity: quantity,
                expectedVersion: expected,
                metadata: context.eventMetadata(userId: admin.userId),
                followUp: followUp
            )
        }
    }

    @Sendable func discontinue(_ request: Request, context: Context) async throws -> Response {
        let admin = try context.requireRole(Role.admin.rawValue)
        let id = try context.parameters.require("id")
        let expected = try Responses.expectedVersion(request)
        return try await context.answerCommand(render: Responses.noContentAnswer) { followUp in
            try await shop.discontinueProduct(
                id: id,
                expectedVersion: expected,
                metadata: context.eventMetadata(userId: admin.userId),
                followUp: followUp
            )
        }
    }

    /// Renders the product as the command left it (the inline read model already has it).
    private func answer(id: String, status: HTTPResponse.Status, location: String? = nil) -> @Sendable (UInt64, (any StoreReading)?) throws -> StoredAnswer {
        { [shop] position, reader in
            guard let (record, _) = try shop.product(id: id, in: reader) else { throw Problem.notFound("no product \(id)") }
            return try Responses.command(record, status: status, position: position, etag: ConditionalGET.etag(record.version), location: location)
        }
    }

}

/// A page of a listing as the API shows it; `next` is `null` on the last page.
struct Listing<Item: Encodable>: Encodable {
    var items: [Item]
    var next: String?

    private enum CodingKeys: String, CodingKey { case items, next }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(next, forKey: .next)
    }
}

/// Rules of the catalog's input.
enum ProductRules {
    /// What a sku may contain.
    static let skuCharacters = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")

    /// A short stable hash of a query string (FNV-1a), for list ETags.
    static func fingerprint(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
