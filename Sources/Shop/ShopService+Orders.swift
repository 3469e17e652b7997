import Foundation
import StrataKit
import StrataStore

/// Orders: placing (reserving stock atomically), paying, cancelling, shipping, and the sales statistics.
extension ShopService {
    /// Places an order, reserving stock on every product in the same atomic append. Concurrent
    /// orders never oversell; contention is retried, then decided on the writer. `id` must be new
    /// (the API makes a random one), so the order is not read: its stream is expected not to
    /// exist, and an id already used fails with a conflict.
    public func placeOrder(
        id: String,
        userId: String,
        items: [Order.Item],
        metadata: EventMetadata,
        followUp: CommandFollowUp? = nil
    ) async throws -> CommandResult<Void> {
        try await executor.execute(metadata: metadata, followUp: followUp) { context in
            var products: [String: Product] = [:]
            for item in items { products[item.productId] = try context.load(Product.self, id: item.productId) }
            let (order, reservations) = try context.startNew(Order.self, id: id).place(id: id, userId: userId, items: items, products: products)
            for item in items {
                try context.append(reservations[item.productId] ?? [], to: Product.self, id: item.productId)
            }
            try context.append(order, to: Order.self, id: id)
        }
    }

    /// Pays an order (its owner only).
    public func payOrder(id: String, by userId: String, expectedVersion: UInt64? = nil, metadata: EventMetadata, followUp: CommandFollowUp? = nil) async throws -> CommandResult<Void> {
        try await executor.execute(metadata: metadata, followUp: followUp) { context in
            let order = try context.load(Order.self, id: id)
            let events = try order.pay(by: userId)
            try Self.checkVersion(expectedVersion, try context.version(of: Order.self, id: id))
            try context.append(events, to: Order.self, id: id)
        }
    }

    /// Cancels an order (its owner or an admin) and puts its stock back.
    public func cancelOrder(
        id: String,
        by userId: String,
        isAdmin: Bool,
        expectedVersion: UInt64? = nil,
        metadata: EventMetadata, followUp: CommandFollowUp? = nil
    ) async throws
        -> CommandResult<Void>
    {
        try await executor.execute(metadata: metadata, followUp: followUp) { context in
            let (events, releases) = try context.load(Order.self, id: id).cancel(by: userId, isAdmin: isAdmin)
            try Self.checkVersion(expectedVersion, try context.version(of: Order.self, id: id))
            try context.append(events, to: Order.self, id: id)
            for (productId, quantity) in releases.sorted(by: { $0.key < $1.key }) {
                try context.append(try context.load(Product.self, id: productId).release(quantity, from: id), to: Product.self, id: productId)
            }
        }
    }

    /// Ships a paid order (admins).
    public func shipOrder(id: String, expectedVersion: UInt64? = nil, metadata: EventMetadata, followUp: CommandFollowUp? = nil) async throws -> CommandResult<Void> {
        try await executor.execute(metadata: metadata, followUp: followUp) { context in
            let events = try context.load(Order.self, id: id).ship()
            try Self.checkVersion(expectedVersion, try context.version(of: Order.self, id: id))
            try context.append(events, to: Order.self, id: id)
        }
    }
    /// An order as its read model stores it — the JSON of its ``OrderRecord`` — with its version:
    /// a command's answer sends these bytes as they are, decoding and encoding nothing.
    public func orderJSON(id: String, in reader: (any StoreReading)? = nil) throws -> (json: [UInt8], version: UInt64)? {
        try runner.storedJSON("orders", OrdersProjection.byId, key: RowKeys.text(id), in: reader).map { ($0.json, $0.version) }
    }

    /// An order by id.
    public func order(id: String, in reader: (any StoreReading)? = nil) throws -> (record: OrderRecord, position: UInt64)? {
        try runner.read("orders", in: reader) { reader in
            try reader.get(OrderRecord.self, OrdersProjection.byId, key: RowKeys.text(id)).map { ($0, reader.position) }
        }
    }
    /// Orders newest first — one user's, or everyone's — optionally of one status. `after` is the
    /// opaque cursor of the previous page.
    public func orders(userId: String?, status: OrderStatus?, limit: Int, after: String?) throws -> Page<OrderRecord> {
        let table = userId == nil ? OrdersProjection.all : OrdersProjection.byUser
        return try runner.read("orders") { reader in
            try reader.page(table, prefix: userId.map { RowKeys.pair($0, []) } ?? [], after: after, limit: limit) { _, value in
                guard let record = try reader.get(OrderRecord.self, OrdersProjection.byId, key: Array(value)) else { return nil }
                return status == nil || record.status == status ? record : nil
            }
        }
    }

    /// The sales statistics and the position they reflect.
    public func salesStatistics() throws -> (statistics: SalesStatistics, position: UInt64) {
        try runner.read("sales") { reader in (try SalesProjection.statistics(from: reader), reader.position) }
    }
}
