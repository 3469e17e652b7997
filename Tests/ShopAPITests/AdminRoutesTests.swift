import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Shop
import ShopAPI
import StrataHTTP
import StrataKit
import StrataLog
import StrataStore
import Testing

struct EventPageBody: Decodable {
    struct Event: Decodable {
        var position: UInt64
        var streamId: String
        var version: UInt64
        var type: String
        var data: JSONValue
        var metadata: JSONValue
        var recordedAt: String
    }
    var events: [Event]
    var next: String?
}

struct StreamBody: Decodable {
    var streamId: String
    var version: UInt64
    var events: [EventPageBody.Event]
}

struct ProjectionBody: Decodable {
    var name: String
    var version: Int
    var mode: String
    var position: UInt64
    var lag: UInt64
    var status: String
}

@Suite struct AdminRoutesTests {
    private func get(_ client: any TestClientProtocol, _ uri: String, _ token: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"])
    }

    @Test func eventsPageInLogOrderByTypeAndStream() async throws {
        try await APIFixture.run { fixture, client in
            for sku in ["A", "B", "C"] {
                _ = try await client.post("/v1/products", #"{"sku":"\#(sku)","name":"\#(sku)","priceCents":1,"stock":1}"#, token: fixture.admin)
            }
            let head = try fixture.log.headPosition()
            let first = try await get(client, "/v1/admin/events?limit=4", fixture.admin)
            #expect(first.status == .ok && first.headers[.cacheControl] == "no-store")
            let page = try decode(EventPageBody.self, first)
            #expect(page.events.map(\.position) == [1, 2, 3, 4])
            let next = try #require(page.next)
            let rest = try decode(EventPageBody.self, try await get(client, "/v1/admin/events?after=\(next)&limit=1000", fixture.admin))
            #expect(rest.events.map(\.position) == Array(5...head) && rest.next == nil)
            // A password hash never leaves the server, not even to admins.
            let registered = try #require(page.events.first { $0.type == "UserRegistered" })
            #expect(registered.data["passwordHash"] == .string("redacted"))

            let created = try decode(EventPageBody.self, try await get(client, "/v1/admin/events?type=ProductCreated", fixture.admin))
            #expect(created.events.count == 3 && created.events.allSatisfy { $0.type == "ProductCreated" })

            let streamId = created.events[0].streamId
            let stream = try await get(client, "/v1/admin/streams/\(streamId)", fixture.admin)
            #expect(stream.status == .ok)
            let body = try decode(StreamBody.self, stream)
            #expect(body.streamId == streamId && body.version == 1 && body.events.map(\.version) == [1])
            let backward = try decode(StreamBody.self, try await get(client, "/v1/admin/streams/\(streamId)?direction=backward&limit=1", fixture.admin))
            #expect(backward.events.count == 1)
            let missing = try await get(client, "/v1/admin/streams/product-nothing", fixture.admin)
            #expect(missing.status == .notFound)

            // An empty type was a 500 before the fuzzer found it.
            for uri in ["/v1/admin/events?type=", "/v1/admin/events?limit=0", "/v1/admin/events?limit=1001", "/v1/admin/events?after=-1", "/v1/admin/streams/x?direction=up"] {
                let bad = try await get(client, uri, fixture.admin)
                #expect(bad.status == .badRequest, "\(uri)")
                #expect(try decode(Problem.self, bad).code == "invalid_parameter")
            }
            for uri in ["/v1/admin/events", "/v1/admin/streams/\(streamId)", "/v1/admin/projections", "/v1/admin/events/live"] {
                let refused = try await get(client, uri, fixture.customer)
                #expect(refused.status == .forbidden, "\(uri)")
            }
        }
    }

    @Test func projectionsAreListedAndRebuiltOnline() async throws {
        let options = ShopRouter.Options()
        try await APIFixture.run(options: options) { fixture, client in
            let created = try await client.post("/v1/products", #"{"sku":"MUG","name":"Mug","priceCents":500,"stock":10}"#, token: fixture.admin)
            let mug = try decode(ProductBody.self, created).id
            _ = try await client.post("/v1/orders", #"{"items":[{"productId":"\#(mug)","quantity":3}]}"#, token: fixture.customer)
            let listed = try decode([ProjectionBody].self, try await get(client, "/v1/admin/projections", fixture.admin))
            #expect(Set(listed.map(\.name)) == ["users", "sessions", "products", "orders", "sales"])
            #expect(listed.first { $0.name == "sales" }?.mode == "async" && listed.first { $0.name == "products" }?.mode == "inline")

            let before = try fixture.shop.runner.rows(of: "products")
            let rebuild = try await client.post("/v1/admin/projections/products/rebuild", "", token: fixture.admin)
            #expect(rebuild.status == .accepted)
            await options.background.waitForAll()
            #expect(try fixture.shop.runner.rows(of: "products") == before)
            let after = try decode([ProjectionBody].self, try await get(client, "/v1/admin/projections", fixture.admin))
            #expect(after.first { $0.name == "products" }?.status == "live")
            // The product still reads the same through the routes.
            let read = try await client.execute(uri: "/v1/products/\(mug)", method: .get)
            #expect(try decode(ProductBody.self, read).stock == 7)

            let unknown = try await client.post("/v1/admin/projections/nothing/rebuild", "", token: fixture.admin)
            #expect(unknown.status == .notFound)
            let customer = try await client.post("/v1/admin/projections/products/rebuild", "", token: fixture.customer)
            #expect(customer.status == .forbidden)
        }
    }
}
