import StrataKit

/// A catalog product as its decisions need it. `stock` is what can still be ordered.
public struct Product: Aggregate, Hashable {
    public static let category = "product"
    public var id: String?
    public var sku: String = ""
    public var name: String = ""
    public var description: String = ""
    public var priceCents: Int = 0
    public var stock: Int = 0
    public var status: ProductStatus = .active

    public init() {}

    public var exists: Bool { id != nil }

    /// The most units a product may hold.
    public static let maximumStock = 1_000_000

    public mutating func apply(_ event: any Event) {
        switch event {
        case let created as ProductCreated:
            id = created.productId
            sku = created.sku
            name = created.name
            description = created.description
            priceCents = created.priceCents
            stock = created.stock
            status = .active
        case let updated as ProductUpdated:
            name = updated.name ?? name
            description = updated.description ?? description
            priceCents = updated.priceCents ?? priceCents
        case let restocked as ProductRestocked:
            stock += restocked.quantity
        case is ProductDiscontinued:
            status = .discontinued
        case let reserved as StockReserved:
            stock -= reserved.quantity
        case let released as StockReleased:
            stock += released.quantity
        default:
            break
        }
    }

    /// Creates the product; the sku's uniqueness is reserved by the command in the same append.
    public func create(id: String, sku: String, name: String, description: String, priceCents: Int, stock: Int) throws(ShopError) -> [any Event] {
        guard !exists else { throw .alreadyExists }
        try ProductRules.require(ProductRules.issues(sku: sku, name: name, description: description, priceCents: priceCents, stock: stock))
        let name = ProductRules.storedName(name)
        return [ProductCreated(productId: id, sku: sku, name: name, description: description, priceCents: priceCents, stock: stock)]
    }

    /// Changes name, description or price; nothing when nothing differs.
    public func update(name: String?, description: String?, priceCents: Int?) throws(ShopError) -> [any Event] {
        guard let id else { throw .notFound }
        try ProductRules.require(ProductRules.issues(name: name, description: description, priceCents: priceCents))
        let name = name.map(ProductRules.storedName)
        let changedName = name.flatMap { $0 == self.name ? nil : $0 }
        let changedDescription = description.flatMap { $0 == self.description ? nil : $0 }
        let changedPrice = priceCents.flatMap { $0 == self.priceCents ? nil : $0 }
        guard changedName != nil || changedDescription != nil || changedPrice != nil else { return [] }
        return [ProductUpdated(productId: id, name: changedName, description: changedDescription, priceCents: changedPrice)]
    }

    /// Adds units; the total may not pass ``maximumStock``.
    public func restock(quantity: Int) throws(ShopError) -> [any Event] {
        guard let id else { throw .notFound }
        try ProductRules.require(ProductRules.issues(restock: quantity))
        guard stock + quantity <= Self.maximumStock else {
            throw .invalidInput([FieldIssue("quantity", "stock would exceed \(Self.maximumStock)")])
        }
        return [ProductRestocked(productId: id, quantity: quantity)]
    }

    /// Discontinues the product; again changes nothing.
    public func discontinue() throws(ShopError) -> [any Event] {
        guard let id else { throw .notFound }
        return status == .discontinued ? [] : [ProductDiscontinued(productId: id)]
    }

    /// Whether `quantity` units can be reserved now.
    public func canReserve(_ quantity: Int) -> Bool { exists && status == .active && quantity <= stock }

    /// Reserves units for an order; never below zero.
    public func reserve(_ quantity: Int, for orderId: String) throws(ShopError) -> [any Event] {
        guard let id, status == .active else { throw .unavailableProducts(productIds: [self.id ?? ""]) }
        guard quantity <= stock else { throw .insufficientStock(productIds: [id]) }
        return [StockReserved(productId: id, orderId: orderId, quantity: quantity)]
    }

    /// Puts units reserved for an order back.
    public func release(_ quantity: Int, from orderId: String) throws(ShopError) -> [any Event] {
        guard let id else { throw .notFound }
        return [StockReleased(productId: id, orderId: orderId, quantity: quantity)]
    }
}

/// A product's state is stored as a snapshot on long streams: every order appends to it.
extension Product: SnapshottingAggregate {
    /// Version 1: the fields above, as Codable writes them.
    public static let snapshotVersion: UInt32 = 1
}
