import StrataKit

/// Where an order is in its life.
public enum OrderStatus: String, Codable, Sendable, Hashable {
    case placed
    case paid
    case cancelled
    case shipped
}

/// One line of an order, with the product as it was when the order was placed.
public struct OrderLine: Codable, Sendable, Hashable {
    public var productId: String
    public var sku: String
    public var name: String
    public var quantity: Int
    public var unitPriceCents: Int

    public var lineTotalCents: Int { quantity * unitPriceCents }

    public init(productId: String, sku: String, name: String, quantity: Int, unitPriceCents: Int) {
        self.productId = productId
        self.sku = sku
        self.name = name
        self.quantity = quantity
        self.unitPriceCents = unitPriceCents
    }
}

/// An order was placed; its stock was reserved in the same atomic append.
public struct OrderPlaced: Event, Hashable {
    public static let eventType = "OrderPlaced"
    public var orderId: String
    public var userId: String
    public var lines: [OrderLine]
    public var totalCents: Int

    public init(orderId: String, userId: String, lines: [OrderLine], totalCents: Int) {
        self.orderId = orderId
        self.userId = userId
        self.lines = lines
        self.totalCents = totalCents
    }
}

/// The owner paid the order.
public struct OrderPaid: Event, Hashable {
    public static let eventType = "OrderPaid"
    public var orderId: String

    public init(orderId: String) {
        self.orderId = orderId
    }
}

/// The order was cancelled by its owner or an admin; its stock went back.
public struct OrderCancelled: Event, Hashable {
    public static let eventType = "OrderCancelled"
    public var orderId: String
    public var cancelledBy: String

    public init(orderId: String, cancelledBy: String) {
        self.orderId = orderId
        self.cancelledBy = cancelledBy
    }
}

/// An admin shipped the paid order.
public struct OrderShipped: Event, Hashable {
    public static let eventType = "OrderShipped"
    public var orderId: String

    public init(orderId: String) {
        self.orderId = orderId
    }
}
