import Foundation
import StrataKit

/// A product as the API shows it.
public struct ProductRecord: Codable, Sendable, Hashable, VersionedRecord {
    public var id: String
    public var sku: String
    public var name: String
    public var description: String
    public var priceCents: Int
    public var stock: Int
    public var status: ProductStatus
    public var version: UInt64
    public var createdAt: Date
    public var updatedAt: Date
}

/// One line of an order as the API shows it.
public struct OrderItemRecord: Codable, Sendable, Hashable {
    public var productId: String
    public var sku: String
    public var name: String
    public var quantity: Int
    public var unitPriceCents: Int
    public var lineTotalCents: Int
}

/// An order as the API shows it.
public struct OrderRecord: Codable, Sendable, Hashable, VersionedRecord {
    public var id: String
    public var userId: String
    public var status: OrderStatus
    public var items: [OrderItemRecord]
    public var totalCents: Int
    public var version: UInt64
    public var createdAt: Date
    public var updatedAt: Date
}

/// The sales statistics the API shows.
public struct SalesStatistics: Codable, Sendable, Hashable {
    public var ordersPlaced: Int = 0
    public var ordersPaid: Int = 0
    public var ordersCancelled: Int = 0
    public var ordersShipped: Int = 0
    public var revenueCents: Int = 0
    public var topProducts: [ProductSales] = []

    public init() {}
}

/// One product's sales: units and revenue of paid and shipped orders.
public struct ProductSales: Codable, Sendable, Hashable {
    public var productId: String
    public var sku: String
    public var name: String
    public var unitsSold: Int
    public var revenueCents: Int
}
