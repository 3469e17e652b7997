import Foundation
import Shop
import StrataKit
import Testing

/// Given events, when a decision, then events or an error: the shop's rules with no disk and no
/// HTTP.
func expectEvents(_ actual: [any Event], _ expected: [any Event], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.map { $0 as? AnyHashable } == expected.map { $0 as? AnyHashable }, sourceLocation: sourceLocation)
}

@Suite struct ProductDecisionTests {
    let created = ProductCreated(productId: "p1", sku: "SKU-1", name: "Mug", description: "", priceCents: 1200, stock: 5)

    @Test func createAProduct() throws {
        expectEvents(try Product().create(id: "p1", sku: "SKU-1", name: "Mug", description: "", priceCents: 1200, stock: 5), [created])
        #expect(throws: ShopError.alreadyExists) {
            try Product.folding([created]).create(id: "p1", sku: "X", name: "X", description: "", priceCents: 1, stock: 1)
        }
    }

    @Test func updateOnlyWhatChanged() throws {
        let product = Product.folding([created])
        expectEvents(
            try product.update(name: "Cup", description: nil, priceCents: 1200),
            [ProductUpdated(productId: "p1", name: "Cup", description: nil, priceCents: nil)]
        )
        expectEvents(try product.update(name: "Mug", description: nil, priceCents: nil), [])
        #expect(throws: ShopError.notFound) { try Product().update(name: "x", description: nil, priceCents: nil) }
    }

    @Test func restockWithinTheLimit() throws {
        let product = Product.folding([created])
        expectEvents(try product.restock(quantity: 10), [ProductRestocked(productId: "p1", quantity: 10)])
        #expect(throws: ShopError.self) { try product.restock(quantity: 0) }
        #expect(throws: ShopError.self) { try product.restock(quantity: Product.maximumStock) }
    }

    @Test func discontinueOnce() throws {
        expectEvents(try Product.folding([created]).discontinue(), [ProductDiscontinued(productId: "p1")])
        expectEvents(try Product.folding([created, ProductDiscontinued(productId: "p1")]).discontinue(), [])
    }

    @Test func reserveNeverBelowZero() throws {
        let product = Product.folding([created, StockReserved(productId: "p1", orderId: "o0", quantity: 3)])
        #expect(product.stock == 2)
        expectEvents(try product.reserve(2, for: "o1"), [StockReserved(productId: "p1", orderId: "o1", quantity: 2)])
        #expect(throws: ShopError.insufficientStock(productIds: ["p1"])) { try product.reserve(3, for: "o1") }
        #expect(throws: ShopError.unavailableProducts(productIds: ["p1"])) {
            try Product.folding([created, ProductDiscontinued(productId: "p1")]).reserve(1, for: "o1")
        }
        #expect(
            Product.folding([
                created, StockReserved(productId: "p1", orderId: "o", quantity: 5), StockReleased(productId: "p1", orderId: "o", quantity: 5),
            ]).stock == 5
        )
    }
}

@Suite struct OrderDecisionTests {
    let mug = Product.folding([ProductCreated(productId: "p1", sku: "MUG", name: "Mug", description: "", priceCents: 1200, stock: 5)])
    let tea = Product.folding([ProductCreated(productId: "p2", sku: "TEA", name: "Tea", description: "", priceCents: 350, stock: 1)])
    var products: [String: Product] { ["p1": mug, "p2": tea] }
    var placed: OrderPlaced {
        OrderPlaced(
            orderId: "o1",
            userId: "u1",
            lines: [
                OrderLine(productId: "p1", sku: "MUG", name: "Mug", quantity: 2, unitPriceCents: 1200),
                OrderLine(productId: "p2", sku: "TEA", name: "Tea", quantity: 1, unitPriceCents: 350),
            ],
            totalCents: 2750
        )
    }

    @Test func placeReservesEveryLine() throws {
        let (order, reservations) = try Order().place(
            id: "o1",
            userId: "u1",
            items: [Order.Item(productId: "p1", quantity: 2), Order.Item(productId: "p2", quantity: 1)],
            products: products
        )
        expectEvents(order, [placed])
        expectEvents(reservations["p1"] ?? [], [StockReserved(productId: "p1", orderId: "o1", quantity: 2)])
        expectEvents(reservations["p2"] ?? [], [StockReserved(productId: "p2", orderId: "o1", quantity: 1)])
    }

    @Test func placeNamesEveryShortProduct() {
        #expect(throws: ShopError.insufficientStock(productIds: ["p1", "p2"])) {
            try Order().place(
                id: "o1",
                userId: "u1",
                items: [Order.Item(productId: "p1", quantity: 6), Order.Item(productId: "p2", quantity: 2)],
                products: products
            )
        }
    }

    @Test func placeRefusesUnknownDiscontinuedDuplicateOrEmpty() {
        #expect(throws: ShopError.unavailableProducts(productIds: ["p9"])) {
            try Order().place(id: "o1", userId: "u1", items: [Order.Item(productId: "p9", quantity: 1)], products: products)
        }
        var discontinued = products
        discontinued["p2"]?.apply(ProductDiscontinued(productId: "p2"))
        #expect(throws: ShopError.unavailableProducts(productIds: ["p2"])) {
            try Order().place(id: "o1", userId: "u1", items: [Order.Item(productId: "p2", quantity: 1)], products: discontinued)
        }
        #expect(throws: ShopError.self) {
            try Order().place(
                id: "o1",
                userId: "u1",
                items: [Order.Item(productId: "p1", quantity: 1), Order.Item(productId: "p1", quantity: 1)],
                products: products
            )
        }
        #expect(throws: ShopError.self) { try Order().place(id: "o1", userId: "u1", items: [], products: products) }
    }

    @Test func payOnlyByTheOwnerWhenPlaced() throws {
        let order = Order.folding([placed])
        expectEvents(try order.pay(by: "u1"), [OrderPaid(orderId: "o1")])
        #expect(throws: ShopError.notFound) { try order.pay(by: "u2") }
        #expect(throws: ShopError.self) { try Order.folding([placed, OrderPaid(orderId: "o1")]).pay(by: "u1") }
    }

    @Test func cancelReleasesStockUnlessShippedOrCancelled() throws {
        let (events, releases) = try Order.folding([placed]).cancel(by: "u1", isAdmin: false)
        expectEvents(events, [OrderCancelled(orderId: "o1", cancelledBy: "u1")])
        #expect(releases == ["p1": 2, "p2": 1])
        _ = try Order.folding([placed, OrderPaid(orderId: "o1")]).cancel(by: "admin", isAdmin: true)
        #expect(throws: ShopError.notFound) { try Order.folding([placed]).cancel(by: "u2", isAdmin: false) }
        #expect(throws: ShopError.self) {
            try Order.folding([placed, OrderPaid(orderId: "o1"), OrderShipped(orderId: "o1")]).cancel(by: "u1", isAdmin: false)
        }
        #expect(throws: ShopError.self) {
            try Order.folding([placed, OrderCancelled(orderId: "o1", cancelledBy: "u1")]).cancel(by: "u1", isAdmin: false)
        }
    }

    @Test func shipOnlyWhenPaid() throws {
        expectEvents(try Order.folding([placed, OrderPaid(orderId: "o1")]).ship(), [OrderShipped(orderId: "o1")])
        #expect(throws: ShopError.self) { try Order.folding([placed]).ship() }
        #expect(throws: ShopError.notFound) { try Order().ship() }
    }
}
