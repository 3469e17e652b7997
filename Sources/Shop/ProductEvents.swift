import StrataKit

/// Whether a product can still be ordered.
public enum ProductStatus: String, Codable, Sendable, Hashable {
    case active
    case discontinued
}

/// A product was added to the catalog.
public struct ProductCreated: Event, Hashable {
    public static let eventType = "ProductCreated"
    public var productId: String
    public var sku: String
    public var name: String
    public var description: String
    public var priceCents: Int
    public var stock: Int

    public init(productId: String, sku: String, name: String, description: String, priceCents: Int, stock: Int) {
        self.productId = productId
        self.sku = sku
        self.name = name
        self.description = description
        self.priceCents = priceCents
        self.stock = stock
    }
}

/// Some of a product's name, description and price changed.
public struct ProductUpdated: Event, Hashable {
    public static let eventType = "ProductUpdated"
    public var productId: String
    public var name: String?
    public var description: String?
    public var priceCents: Int?

    public init(productId: String, name: String?, description: String?, priceCents: Int?) {
        self.productId = productId
        self.name = name
        self.description = description
        self.priceCents = priceCents
    }
}

/// Units were added to a product's stock.
public struct ProductRestocked: Event, Hashable {
    public static let eventType = "ProductRestocked"
    public var productId: String
    public var quantity: Int

    public init(productId: String, quantity: Int) {
        self.productId = productId
        self.quantity = quantity
    }
}

/// A product was discontinued: it stays readable but can no longer be ordered.
public struct ProductDiscontinued: Event, Hashable {
    public static let eventType = "ProductDiscontinued"
    public var productId: String

    public init(productId: String) {
        self.productId = productId
    }
}

/// Units were reserved for an order (taken out of `stock`).
public struct StockReserved: Event, Hashable {
    public static let eventType = "StockReserved"
    public var productId: String
    public var orderId: String
    public var quantity: Int

    public init(productId: String, orderId: String, quantity: Int) {
        self.productId = productId
        self.orderId = orderId
        self.quantity = quantity
    }
}

/// Units reserved for a cancelled order went back into stock.
public struct StockReleased: Event, Hashable {
    public static let eventType = "StockReleased"
    public var productId: String
    public var orderId: String
    public var quantity: Int

    public init(productId: String, orderId: String, quantity: Int) {
        self.productId = productId
        self.orderId = orderId
        self.quantity = quantity
    }
}
