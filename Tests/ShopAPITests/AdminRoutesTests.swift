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
        let options = ServerOptions()
        try await APIFixture.run(options: options) { fixture, client in
            let created = try await client.post("/v1/products", #"{"sku":"MUG","name":"Mug","priceCents":500,"stock":10}"#, token: fixture.admin)
            let mug = try decode(ProductBody.self, created).id
            _ = try await client.post("/v1/orders", #"{"items":[{"productId":"\#(mug)","quantity":3}]}"#, token: fixture.customer)
            let listed = try decode([ProjectionBody].self, try await get(client, "/v1/admin/projections", fixture.admin))
            #expect(Set(listed.map(\.name)) == ["users", "sessions", "products", "orders", "sales", "correlations"])
            #expect(listed.first { $0.name == "sales" }?.mode == "async" && listed.first { $0.name == "products" }?.mode == "inline")

            let before = try fixture.shop.app.runner.rows(of: "products")
            let rebuild = try await client.post("/v1/admin/projections/products/rebuild", "", token: fixture.admin)
            #expect(rebuild.status == .accepted)
            await options.background.waitForAll()
            #expect(try fixture.shop.app.runner.rows(of: "products") == before)
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

struct TypeCatalogBody: Decodable {
    struct Entry: Decodable, Equatable {
        var type: String
        var count: Int
        var lastPosition: UInt64
    }
    var types: [Entry]
}

struct StreamListBody: Decodable {
    struct Entry: Decodable {
        var streamId: String
        var version: UInt64
    }
    var items: [Entry]
    var next: String?
}

/// The routes the operator's console reads: the type catalogue, streams by prefix, a request's
/// events, parked events.
@Suite struct AdminCatalogRoutesTests {
    private func get(_ client: any TestClientProtocol, _ uri: String, _ token: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer \(token)"])
    }

    @Test func typesStreamsAndARequestsEvents() async throws {
        try await APIFixture.run { fixture, client in
            var requestIds: [String] = []
            for sku in ["A", "B", "C"] {
                let created = try await client.execute(
                    uri: "/v1/products",
                    method: .post,
                    headers: jsonHeaders(fixture.admin, [.strataRequestID: "create-\(sku)"]),
                    body: ByteBuffer(string: #"{"sku":"\#(sku)","name":"\#(sku)","priceCents":1,"stock":5}"#)
                )
                #expect(created.status == .created)
                requestIds.append("create-\(sku)")
            }
            let catalog = try decode(TypeCatalogBody.self, try await get(client, "/v1/admin/event-types", fixture.admin))
            let all = try decode(EventPageBody.self, try await get(client, "/v1/admin/events?limit=1000", fixture.admin)).events
            let expected = Dictionary(grouping: all, by: \.type).map { type, events in
                TypeCatalogBody.Entry(type: type, count: events.count, lastPosition: events.map(\.position).max() ?? 0)
            }.sorted { Array($0.type.utf8).lexicographicallyPrecedes(Array($1.type.utf8)) }
            #expect(catalog.types == expected)
            #expect(catalog.types.first { $0.type == "ProductCreated" }?.count == 3)

            let products = try decode(StreamListBody.self, try await get(client, "/v1/admin/streams?prefix=product-&limit=2", fixture.admin))
            #expect(products.items.count == 2 && products.items.allSatisfy { $0.streamId.hasPrefix("product-") && $0.version == 1 })
            let rest = try decode(
                StreamListBody.self,
                try await get(client, "/v1/admin/streams?prefix=product-&after=\(try #require(products.next))", fixture.admin)
            )
            #expect(rest.items.count == 1 && rest.next == nil)
            #expect(try await get(client, "/v1/admin/streams?limit=0", fixture.admin).status == .badRequest)
            #expect(try await get(client, "/v1/admin/streams", fixture.customer).status == .forbidden)

            // One request's events: the product and its sku reservation, nothing of the others.
            _ = await fixture.shop.app.runner.waitUntil(CorrelationsProjection.projectionName, reaches: all.last?.position ?? 0, timeout: .seconds(5))
            let byRequest = try decode(EventPageBody.self, try await get(client, "/v1/admin/events?correlationId=create-B", fixture.admin))
            #expect(Set(byRequest.events.map(\.type)) == ["ProductCreated", "UniqueValueReserved"])
            #expect(byRequest.events.allSatisfy { $0.metadata == .object(["correlationId": .string("create-B"), "causationId": .string("create-B"), "userId": .string("admin-1")]) })
            #expect(try decode(EventPageBody.self, try await get(client, "/v1/admin/events?correlationId=nobody", fixture.admin)).events.isEmpty)
        }
    }

    @Test func parkedEventsAreListedAndUnknownOnesAre404() async throws {
        try await APIFixture.run { fixture, client in
            let empty = try await get(client, "/v1/admin/projections/sales/parked", fixture.admin)
            #expect(empty.status == .ok && String(buffer: empty.body) == #"{"items":[],"next":null}"#)
            #expect(try await get(client, "/v1/admin/projections/nope/parked", fixture.admin).status == .notFound)
            for action in ["retry", "skip"] {
                let missing = try await client.execute(
                    uri: "/v1/admin/projections/sales/parked/7/\(action)",
                    method: .post,
                    headers: [.authorization: "Bearer \(fixture.admin)"]
                )
                #expect(missing.status == .notFound, "\(action)")
                let byCustomer = try await client.execute(
                    uri: "/v1/admin/projections/sales/parked/7/\(action)",
                    method: .post,
                    headers: [.authorization: "Bearer \(fixture.customer)"]
                )
                #expect(byCustomer.status == .forbidden, "\(action)")
            }
        }
    }
}
