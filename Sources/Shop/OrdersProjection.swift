import StrataKit

/// Orders by id, and order ids newest first: per user and overall.
public struct OrdersProjection: Projection {
    public let name = "orders"
    /// 2: `byId` rows keep the record's version ahead of its JSON (``VersionedRow``).
    public let version = 2
    public let mode = ProjectionMode.inline
    public let eventTypes: Set<String> = [OrderPlaced.eventType, OrderPaid.eventType, OrderCancelled.eventType, OrderShipped.eventType]
    public static let byId = ReadModelTable.versioned("byId")
    public static let byUser: ReadModelTable = "byUser"
    public static let all: ReadModelTable = "all"
    public let tables: [ReadModelTable] = [byId, byUser, all]
    public let views: Set<ViewName> = [ShopViews.order]

    public init() {}

    public func apply(_ envelope: Envelope, to store: ProjectionStore) throws {
        if let placed = envelope.event as? OrderPlaced {
            let record = OrderRecord(
                id: placed.orderId,
                userId: placed.userId,
                status: .placed,
                items: placed.lines.map {
                    OrderItemRecord(
                        productId: $0.productId,
                        sku: $0.sku,
                        name: $0.name,
                        quantity: $0.quantity,
                        unitPriceCents: $0.unitPriceCents,
                        lineTotalCents: $0.lineTotalCents
                    )
                },
                totalCents: placed.totalCents,
                version: envelope.streamVersion,
                createdAt: envelope.recordedAt,
                updatedAt: envelope.recordedAt
            )
            try store.put(record, Self.byId, key: RowKeys.text(placed.orderId))
            let order = RowKeys.newestFirst(envelope.position)
            try store.put(Self.byUser, key: RowKeys.pair(placed.userId, order), value: RowKeys.text(placed.orderId))
            try store.put(Self.all, key: order, value: RowKeys.text(placed.orderId))
            store.changed(ShopViews.order.key(placed.orderId))
            return
        }
        let (orderId, status): (String, OrderStatus)
        switch envelope.event {
        case let event as OrderPaid: (orderId, status) = (event.orderId, .paid)
        case let event as OrderCancelled: (orderId, status) = (event.orderId, .cancelled)
        case let event as OrderShipped: (orderId, status) = (event.orderId, .shipped)
        default: return
        }
        guard var record = try store.get(OrderRecord.self, Self.byId, key: RowKeys.text(orderId)) else { return }
        record.status = status
        record.version = envelope.streamVersion
        record.updatedAt = envelope.recordedAt
        try store.put(record, Self.byId, key: RowKeys.text(orderId))
        store.changed(ShopViews.order.key(orderId))
    }
}
