import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Shop
import Identity
import IdentityAPI
import ShopAPI
import ShopTestSupport
import StrataServer
import StrataHTTP
import StrataKit
import Testing

struct OrderBody: Decodable {
    struct Item: Decodable {
        var productId: String
        var quantity: Int
        var unitPriceCents: Int
        var lineTotalCents: Int
    }
    var id: String
    var userId: String
    var status: String
    var items: [Item]
    var totalCents: Int
    var version: Int
}

@Suite struct OrderRoutesTests {
    /// Two products and a signed-in customer.
    private func prepare(_ fixture: APIFixture, _ client: any TestClientProtocol) async throws -> (mug: String, tea: String, customer: String) {
        var ids: [String] = []
        for (sku, stock) in [("MUG", 5), ("TEA", 2)] {
            let created = try await client.post(
                "/v1/products",
                #"{"sku":"\#(sku)","name":"\#(sku)","priceCents":1000,"stock":\#(stock)}"#,
                token: fixture.admin
            )
            ids.append(try decode(ProductBody.self, created).id)
        }
        _ = try await client.post("/v1/users", #"{"name":"Ann","email":"ann@example.com","password":"correct horse"}"#)
        let pair = try decode(TokenPairBody.self, try await client.signIn("ann@example.com", "correct horse"))
        return (ids[0], ids[1], pair.accessToken)
    }

    @Test func customersPlacePayAndReadTheirOwnOrders() async throws {
        try await APIFixture.run { fixture, client in
            let (mug, tea, ann) = try await prepare(fixture, client)
            let placed = try await client.post(
                "/v1/orders",
                #"{"items":[{"productId":"\#(mug)","quantity":2},{"productId":"\#(tea)","quantity":1}]}"#,
                token: ann
            )
            #expect(placed.status == .created)
            let order = try decode(OrderBody.self, placed)
            #expect(order.status == "placed" && order.totalCents == 3000 && order.items.map(\.lineTotalCents) == [2000, 1000])
            #expect(placed.headers[.strataPosition] != nil && placed.headers[.location] == "/v1/orders/\(order.id)")

            let short = try await client.post("/v1/orders", #"{"items":[{"productId":"\#(tea)","quantity":2}]}"#, token: ann)
            #expect(short.status == .conflict)
            #expect(try decode(Problem.self, short).code == "insufficient_stock")
            let unknown = try await client.post("/v1/orders", #"{"items":[{"productId":"nope","quantity":1}]}"#, token: ann)
            #expect(unknown.status == .unprocessableContent)
            let malformed = try await client.post(
                "/v1/orders",
                #"{"items":[{"productId":"\#(mug)","quantity":0},{"productId":"\#(mug)","quantity":1,"x":1}]}"#,
                token: ann
            )
            // Every failing field: the unknown one, the quantity out of range, the product twice.
            #expect(Set(try decode(Problem.self, malformed).errors?.map(\.field) ?? []) == ["items[0].quantity", "items[1].x", "items[1].productId"])

            // Another customer sees nothing of it: 404, not 403 — also once the owner's read put it in the view cache.
            let ownRead = try await client.execute(uri: "/v1/orders/\(order.id)", method: .get, headers: [.authorization: "Bearer \(ann)"])
            #expect(ownRead.status == .ok && fixture.cache.lookup(ShopViews.order.key(order.id)) != nil)
            _ = try await client.post("/v1/users", #"{"name":"Bob","email":"bob@example.com","password":"correct horse"}"#)
            let bob = try decode(TokenPairBody.self, try await client.signIn("bob@example.com", "correct horse")).accessToken
            #expect(
                try await client.execute(uri: "/v1/orders/\(order.id)", method: .get, headers: [.authorization: "Bearer \(bob)"]).status == .notFound
            )
            #expect(try await client.post("/v1/orders/\(order.id)/pay", "{}", token: bob).status == .notFound)
            let bobsList = try decode(
                Listing.self,
                try await client.execute(uri: "/v1/orders", method: .get, headers: [.authorization: "Bearer \(bob)"])
            )
            #expect(bobsList.items.isEmpty)

            let paid = try await client.post("/v1/orders/\(order.id)/pay", "{}", token: ann)
            #expect(paid.status == .ok)
            #expect(try decode(OrderBody.self, paid).status == "paid")
            let again = try await client.post("/v1/orders/\(order.id)/pay", "{}", token: ann)
            #expect(again.status == .conflict)
            #expect(try decode(Problem.self, again).code == "invalid_state")
            let read = try await client.execute(uri: "/v1/orders/\(order.id)", method: .get, headers: [.authorization: "Bearer \(ann)"])
            #expect(read.headers[.cacheControl] == "private, no-cache" && read.headers[.eTag] == "\"2\"")
        }
    }

    @Test func adminsShipCancelAndListEveryone() async throws {
        try await APIFixture.run { fixture, client in
            let (mug, _, ann) = try await prepare(fixture, client)
            var ids: [String] = []
            for _ in 0..<3 {
                ids.append(
                    try decode(OrderBody.self, try await client.post("/v1/orders", #"{"items":[{"productId":"\#(mug)","quantity":1}]}"#, token: ann))
                        .id
                )
            }
            let unpaid = try await client.post("/v1/orders/\(ids[0])/ship", "{}", token: fixture.admin)
            #expect(unpaid.status == .conflict)
            #expect(try await client.post("/v1/orders/\(ids[0])/ship", "{}", token: ann).status == .forbidden)
            _ = try await client.post("/v1/orders/\(ids[0])/pay", "{}", token: ann)
            #expect(try await client.post("/v1/orders/\(ids[0])/ship", "{}", token: fixture.admin).status == .ok)
            let cancelled = try await client.post("/v1/orders/\(ids[1])/cancel", "{}", token: fixture.admin)
            #expect(try decode(OrderBody.self, cancelled).status == "cancelled")
            let stock = try decode(ProductBody.self, try await client.execute(uri: "/v1/products/\(mug)", method: .get)).stock
            #expect(stock == 3)

            let all = try decode(
                Listing.self,
                try await client.execute(uri: "/v1/orders?limit=2", method: .get, headers: [.authorization: "Bearer \(fixture.admin)"])
            )
            #expect(all.items.map(\.id) == [ids[2], ids[1]] && all.next != nil)
            let shipped = try decode(
                Listing.self,
                try await client.execute(uri: "/v1/orders?status=shipped", method: .get, headers: [.authorization: "Bearer \(fixture.admin)"])
            )
            #expect(shipped.items.map(\.id) == [ids[0]])
            let bad = try await client.execute(uri: "/v1/orders?status=lost", method: .get, headers: [.authorization: "Bearer \(fixture.admin)"])
            #expect(bad.status == .badRequest)
            #expect(try decode(Problem.self, bad).code == "invalid_parameter")
        }
    }

    struct Listing: Decodable {
        var items: [OrderBody]
        var next: String?
    }
}
