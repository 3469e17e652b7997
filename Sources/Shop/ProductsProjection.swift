import StrataKit

/// Products by id, and product ids by sku (the catalog's order).
public struct ProductsProjection: Projection {
    public let name = "products"
    /// 2: `byId` rows keep the record's version ahead of its JSON (``VersionedRow``).
    public let version = 2
    public let mode = ProjectionMode.inline
    public let eventTypes: Set<String> = [
        ProductCreated.eventType, ProductUpdated.eventType, ProductRestocked.eventType, ProductDiscontinued.eventType,
        StockReserved.eventType, StockReleased.eventType,
    ]
    public static let byId = ReadModelTable.versioned("byId")
    public static let bySku: ReadModelTable = "bySku"
    public let tables: [ReadModelTable] = [byId, bySku]
    public let views: Set<ViewName> = [ShopViews.product]

    public init() {}

    public func apply(_ envelope: Envelope, to store: ProjectionStore) throws {
        if let created = envelope.event as? ProductCreated {
            let record = ProductRecord(
                id: created.productId,
                sku: created.sku,
                name: created.name,
                description: created.description,
                priceCents: created.priceCents,
                stock: created.stock,
                status: .active,
                version: envelope.streamVersion,
                createdAt: envelope.recordedAt,
                updatedAt: envelope.recordedAt
            )
            try store.put(record, Self.byId, key: RowKeys.text(created.productId))
            try store.put(Self.bySku, key: RowKeys.text(created.sku), value: RowKeys.text(created.productId))
            store.changed(ShopViews.product.key(created.productId))
            return
        }
        let productId: String
        switch envelope.event {
        case let event as ProductUpdated: productId = event.productId
        case let event as ProductRestocked: productId = event.productId
        case let event as ProductDiscontinued: productId = event.productId
        case let event as StockReserved: productId = event.productId
        case let event as StockReleased: productId = event.productId
        default: return
        }
        guard var record = try store.get(ProductRecord.self, Self.byId, key: RowKeys.text(productId)) else { return }
        switch envelope.event {
        case let event as ProductUpdated:
            record.name = event.name ?? record.name
            record.description = event.description ?? record.description
            record.priceCents = event.priceCents ?? record.priceCents
        case let event as ProductRestocked: record.stock += event.quantity
        case is ProductDiscontinued: record.status = .discontinued
        case let event as StockReserved: record.stock -= event.quantity
        case let event as StockReleased: record.stock += event.quantity
        default: break
        }
        record.version = envelope.streamVersion
        record.updatedAt = envelope.recordedAt
        try store.put(record, Self.byId, key: RowKeys.text(productId))
        store.changed(ShopViews.product.key(productId))
    }
}
