import StrataKit

/// Sales statistics, asynchronously: counts of placed, paid, cancelled and shipped orders, and
/// revenue and units of the orders that are paid or shipped now (a cancelled paid order leaves
/// them).
public struct SalesProjection: Projection {
    public let name = "sales"
    public let version = 1
    public let mode = ProjectionMode.async
    public let eventTypes: Set<String> = [OrderPlaced.eventType, OrderPaid.eventType, OrderCancelled.eventType, OrderShipped.eventType]
    public static let totals: ReadModelTable = "totals"
    public static let products: ReadModelTable = "products"
    public static let orders: ReadModelTable = "orders"
    public let tables: [ReadModelTable] = [totals, products, orders]
    public let views: Set<ViewName> = [ShopViews.sales]

    public init() {}

    struct Totals: Codable, Hashable {
        var ordersPlaced = 0
        var ordersPaid = 0
        var ordersCancelled = 0
        var ordersShipped = 0
        var revenueCents = 0
    }

    struct OrderSummary: Codable, Hashable {
        var status: OrderStatus
        var lines: [OrderLine]
        var totalCents: Int
    }

    static let totalsKey = RowKeys.text("totals")

    public func apply(_ envelope: Envelope, to store: ProjectionStore) throws {
        var totals = try store.get(Totals.self, Self.totals, key: Self.totalsKey) ?? Totals()
        switch envelope.event {
        case let placed as OrderPlaced:
            totals.ordersPlaced += 1
            try store.put(OrderSummary(status: .placed, lines: placed.lines, totalCents: placed.totalCents), Self.orders, key: RowKeys.text(placed.orderId))
        case let paid as OrderPaid:
            totals.ordersPaid += 1
            try transition(paid.orderId, to: .paid, &totals, store)
        case let cancelled as OrderCancelled:
            totals.ordersCancelled += 1
            try transition(cancelled.orderId, to: .cancelled, &totals, store)
        case let shipped as OrderShipped:
            totals.ordersShipped += 1
            try transition(shipped.orderId, to: .shipped, &totals, store)
        default:
            return
        }
        try store.put(totals, Self.totals, key: Self.totalsKey)
        store.changed(ShopViews.sales.key("all"))
    }

    /// Moves an order between states, counting it in revenue while it is paid or shipped.
    private func transition(_ orderId: String, to status: OrderStatus, _ totals: inout Totals, _ store: ProjectionStore) throws {
        guard var order = try store.get(OrderSummary.self, Self.orders, key: RowKeys.text(orderId)) else { return }
        let wasCounted = order.status == .paid || order.status == .shipped
        let isCounted = status == .paid || status == .shipped
        order.status = status
        try store.put(order, Self.orders, key: RowKeys.text(orderId))
        guard wasCounted != isCounted else { return }
        let sign = isCounted ? 1 : -1
        totals.revenueCents += sign * order.totalCents
        for line in order.lines {
            var sales =
                try store.get(ProductSales.self, Self.products, key: RowKeys.text(line.productId))
                ?? ProductSales(productId: line.productId, sku: line.sku, name: line.name, unitsSold: 0, revenueCents: 0)
            sales.unitsSold += sign * line.quantity
            sales.revenueCents += sign * line.lineTotalCents
            try store.put(sales, Self.products, key: RowKeys.text(line.productId))
        }
    }

    /// The statistics as the API shows them: top 10 products by units sold, ties by sku.
    public static func statistics(from reader: ReadModelReader) throws -> SalesStatistics {
        let totals = try reader.get(Totals.self, Self.totals, key: totalsKey) ?? Totals()
        var products: [ProductSales] = []
        try reader.scan("products") { _, value in
            products.append(try reader.decode(ProductSales.self, from: value))
            return true
        }
        var statistics = SalesStatistics()
        statistics.ordersPlaced = totals.ordersPlaced
        statistics.ordersPaid = totals.ordersPaid
        statistics.ordersCancelled = totals.ordersCancelled
        statistics.ordersShipped = totals.ordersShipped
        statistics.revenueCents = totals.revenueCents
        statistics.topProducts = Array(
            products.filter { $0.unitsSold > 0 }
                .sorted { first, second in
                    first.unitsSold != second.unitsSold
                        ? first.unitsSold > second.unitsSold
                        : Array(first.sku.utf8).lexicographicallyPrecedes(Array(second.sku.utf8))
                }
                .prefix(10)
        )
        return statistics
    }
}
