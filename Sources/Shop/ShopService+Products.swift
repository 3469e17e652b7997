import Foundation
import StrataKit
import StrataStore

/// The catalog: products and their stock.
extension ShopService {
    /// Adds a product; its sku must be unused.
    public func createProduct(
        id: String,
        sku: String,
        name: String,
        description: String,
        priceCents: Int,
        stock: Int,
        metadata: EventMetadata, followUp: CommandFollowUp? = nil
    )
        async throws -> CommandResult<Void>
    {
        try await executor.execute(metadata: metadata, followUp: followUp) { context in
            let events = try context.load(Product.self, id: id).create(
                id: id,
                sku: sku,
                name: name,
                description: description,
                priceCents: priceCents,
                stock: stock
            )
            do {
                try context.reserve(Self.skuValue(sku), for: id)
            } catch is UniqueValueTaken {
                throw ShopError.skuTaken
            }
            try context.append(events, to: Product.self, id: id)
        }
    }

    /// Changes a product's name, description or price; `expectedVersion` is an `If-Match`.
    public func updateProduct(
        id: String,
        name: String?,
        description: String?,
        priceCents: Int?,
        expectedVersion: UInt64?,
        metadata: EventMetadata, followUp: CommandFollowUp? = nil
    ) async throws -> CommandResult<Void> {
        try await executor.execute(metadata: metadata, followUp: followUp) { context in
            let product = try context.load(Product.self, id: id)
            guard product.exists else { throw ShopError.notFound }
            try Self.checkVersion(expectedVersion, try context.version(of: Product.self, id: id))
            try context.append(try product.update(name: name, description: description, priceCents: priceCents), to: Product.self, id: id)
        }
    }

    /// Adds units to a product's stock.
    public func restockProduct(id: String, quantity: Int, expectedVersion: UInt64?, metadata: EventMetadata, followUp: CommandFollowUp? = nil) async throws -> CommandResult<Void> {
        try await executor.execute(metadata: metadata, followUp: followUp) { context in
            let product = try context.load(Product.self, id: id)
            guard product.exists else { throw ShopError.notFound }
            try Self.checkVersion(expectedVersion, try context.version(of: Product.self, id: id))
            try context.append(try product.restock(quantity: quantity), to: Product.self, id: id)
        }
    }

    /// Discontinues a product.
    public func discontinueProduct(id: String, expectedVersion: UInt64?, metadata: EventMetadata, followUp: CommandFollowUp? = nil) async throws -> CommandResult<Void> {
        try await executor.execute(metadata: metadata, followUp: followUp) { context in
            let product = try context.load(Product.self, id: id)
            guard product.exists else { throw ShopError.notFound }
            try Self.checkVersion(expectedVersion, try context.version(of: Product.self, id: id))
            try context.append(try product.discontinue(), to: Product.self, id: id)
        }
    }
    /// A product as its read model stores it — the JSON of its ``ProductRecord``, which is what the
    /// API shows — with its version and the position read at: GETs and command answers send these
    /// bytes as they are, decoding and encoding nothing.
    public func productJSON(id: String, in reader: (any StoreReading)? = nil) throws -> (json: [UInt8], version: UInt64, position: UInt64)? {
        try runner.storedJSON("products", ProductsProjection.byId, key: RowKeys.text(id), in: reader)
    }

    /// A product by id (also when discontinued).
    public func product(id: String, in reader: (any StoreReading)? = nil) throws -> (record: ProductRecord, position: UInt64)? {
        try runner.read("products", in: reader) { reader in
            try reader.get(ProductRecord.self, ProductsProjection.byId, key: RowKeys.text(id)).map { ($0, reader.position) }
        }
    }
    /// Active products in sku order (bytewise) after the sku `after`, filtered by a case-insensitive
    /// substring of name or sku.
    public func products(limit: Int, after: String?, query: String?) throws -> Page<ProductRecord> {
        let needle = query?.lowercased()
        return try runner.read("products") { reader in
            var items: [ProductRecord] = []
            var more = false
            let start = after.map { RowKeys.text($0) + [0] }
            try reader.scan(ProductsProjection.bySku, from: start) { _, value in
                guard let record = try reader.get(ProductRecord.self, ProductsProjection.byId, key: Array(value)), record.status == .active else { return true }
                if let needle, !record.name.lowercased().contains(needle) && !record.sku.lowercased().contains(needle) { return true }
                if items.count == limit {
                    more = true
                    return false
                }
                items.append(record)
                return true
            }
            return Page(items: items, next: more ? items.last?.sku : nil, position: reader.position)
        }
    }
}
