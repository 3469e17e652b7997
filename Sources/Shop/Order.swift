import StrataKit

/// An order as its decisions need it.
public struct Order: Aggregate, Hashable {
    public static let category = "order"
    public var id: String?
    public var userId: String?
    public var lines: [OrderLine] = []
    public var status: OrderStatus = .placed

    public init() {}

    public var exists: Bool { id != nil }

    /// Most lines in one order.
    public static let maximumLines = 50
    /// Most units of one product in one order.
    public static let maximumQuantity = 1000

    public mutating func apply(_ event: any Event) {
        switch event {
        case let placed as OrderPlaced:
            id = placed.orderId
            userId = placed.userId
            lines = placed.lines
            status = .placed
        case is OrderPaid: status = .paid
        case is OrderCancelled: status = .cancelled
        case is OrderShipped: status = .shipped
        default: break
        }
    }

    /// A requested line: which product, how many.
    public struct Item: Codable, Sendable, Hashable {
        public var productId: String
        public var quantity: Int

        public init(productId: String, quantity: Int) {
            self.productId = productId
            self.quantity = quantity
        }
    }

    /// Places an order for `items` given the products' current states: either every line can be
    /// reserved, or it throws naming every product that cannot. Returns the order's event and the
    /// reservation per product.
    public func place(
        id: String,
        userId: String,
        items: [Item],
        products: [String: Product]
    ) throws(ShopError) -> (
        order: [any Event], reservations: [String: [any Event]]
    ) {
        guard !exists else { throw .alreadyExists }
        let items = try OrderRules.items(items)
        let unavailable = items.map(\.productId).filter { products[$0]?.exists != true || products[$0]?.status != .active }
        guard unavailable.isEmpty else { throw .unavailableProducts(productIds: unavailable) }
        let short = items.filter { products[$0.productId]?.canReserve($0.quantity) != true }.map(\.productId)
        guard short.isEmpty else { throw .insufficientStock(productIds: short) }
        var lines: [OrderLine] = []
        var reservations: [String: [any Event]] = [:]
        for item in items {
            guard let product = products[item.productId] else { throw .unavailableProducts(productIds: [item.productId]) }
            reservations[item.productId] = try product.reserve(item.quantity, for: id)
            lines.append(
                OrderLine(
                    productId: item.productId,
                    sku: product.sku,
                    name: product.name,
                    quantity: item.quantity,
                    unitPriceCents: product.priceCents
                )
            )
        }
        let total = lines.reduce(0) { $0 + $1.lineTotalCents }
        return ([OrderPlaced(orderId: id, userId: userId, lines: lines, totalCents: total)], reservations)
    }

    /// Pays the order: only its owner, only when placed.
    public func pay(by caller: String) throws(ShopError) -> [any Event] {
        guard let id, userId == caller else { throw .notFound }
        guard status == .placed else { throw .invalidState("only a placed order can be paid; it is \(status.rawValue)") }
        return [OrderPaid(orderId: id)]
    }

    /// Cancels the order: its owner or an admin, unless shipped or cancelled. The stock goes back.
    public func cancel(by caller: String, isAdmin: Bool) throws(ShopError) -> (order: [any Event], releases: [String: Int]) {
        guard let id, userId == caller || isAdmin else { throw .notFound }
        guard status == .placed || status == .paid else {
            throw .invalidState("a \(status.rawValue) order cannot be cancelled")
        }
        var releases: [String: Int] = [:]
        for line in lines { releases[line.productId, default: 0] += line.quantity }
        return ([OrderCancelled(orderId: id, cancelledBy: caller)], releases)
    }

    /// Ships the order: only when paid.
    public func ship() throws(ShopError) -> [any Event] {
        guard let id else { throw .notFound }
        guard status == .paid else { throw .invalidState("only a paid order can be shipped; it is \(status.rawValue)") }
        return [OrderShipped(orderId: id)]
    }
}
