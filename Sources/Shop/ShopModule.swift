import StrataKit

/// The shop as a module: products, orders and sales statistics, their projections, and products'
/// snapshots (every order changes a product's stream). Its users come from the identity module.
public struct ShopModule: StrataModule {
    public let name = "shop"

    public init() {}

    public let eventTypes: [any Event.Type] = [
        ProductCreated.self, ProductUpdated.self, ProductRestocked.self, ProductDiscontinued.self, StockReserved.self, StockReleased.self,
        OrderPlaced.self, OrderPaid.self, OrderCancelled.self, OrderShipped.self,
    ]

    public func projections(_ context: ModuleContext) -> [any Projection] {
        [ProductsProjection(), OrdersProjection(), SalesProjection()]
    }

    public let snapshottingAggregates: [any SnapshottingAggregate.Type] = [Product.self]
}
