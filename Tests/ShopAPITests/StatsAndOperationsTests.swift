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

struct SalesBody: Decodable {
    struct Top: Decodable {
        var productId: String
        var sku: String
        var unitsSold: Int
        var revenueCents: Int
    }
    var ordersPlaced: Int
    var ordersPaid: Int
    var ordersCancelled: Int
    var ordersShipped: Int
    var revenueCents: Int
    var topProducts: [Top]
}

@Suite struct StatsAndOperationsTests {
    @Test func statisticsReadTheirWritesWithStrataMinPosition() async throws {
        var options = ServerOptions()
        // Long enough for the async projection under the whole suite's load on PostgreSQL (300 ms
        // failed about one run in five there, before and after the writer's changes of 2026-12-02);
        // the request for a position never reached waits it out once.
        options.consistencyWait = .seconds(3)
        try await APIFixture.run(options: options) { fixture, client in
            let created = try await client.post("/v1/products", #"{"sku":"MUG","name":"Mug","priceCents":500,"stock":10}"#, token: fixture.admin)
            let mug = try decode(ProductBody.self, created).id
            let placed = try await client.post("/v1/orders", #"{"items":[{"productId":"\#(mug)","quantity":3}]}"#, token: fixture.customer)
            let order = try decode(OrderBody.self, placed)
            let paid = try await client.post("/v1/orders/\(order.id)/pay", "", token: fixture.customer)
            let position = try #require(paid.headers[.strataPosition])

            let stats = try await client.execute(
                uri: "/v1/stats/sales",
                method: .get,
                headers: [.authorization: "Bearer \(fixture.admin)", .strataMinPosition: position]
            )
            #expect(stats.status == .ok)
            #expect(UInt64(stats.headers[.strataPosition] ?? "") ?? 0 >= UInt64(position) ?? .max)
            #expect(stats.headers[.cacheControl] == "no-store" && stats.headers[.eTag] != nil)
            let body = try decode(SalesBody.self, stats)
            #expect(body.ordersPlaced == 1 && body.ordersPaid == 1 && body.revenueCents == 1500)
            #expect(body.topProducts.first?.sku == "MUG" && body.topProducts.first?.unitsSold == 3)

            let future = try await client.execute(
                uri: "/v1/stats/sales",
                method: .get,
                headers: [.authorization: "Bearer \(fixture.admin)", .strataMinPosition: "1000000"]
            )
            #expect(future.status == .serviceUnavailable && future.headers[.retryAfter] == "1")
            #expect(try decode(Problem.self, future).code == "projection_lagging")
            let bad = try await client.execute(
                uri: "/v1/stats/sales",
                method: .get,
                headers: [.authorization: "Bearer \(fixture.admin)", .strataMinPosition: "soon"]
            )
            #expect(bad.status == .badRequest)
            // Inline read models are current at once.
            let read = try await client.execute(uri: "/v1/products/\(mug)", method: .get, headers: [.strataMinPosition: position])
            #expect(read.status == .ok)

            let customer = try await client.execute(uri: "/v1/stats/sales", method: .get, headers: [.authorization: "Bearer \(fixture.customer)"])
            #expect(customer.status == .forbidden && customer.headers[.cacheControl] == "no-store")
            let anonymous = try await client.execute(uri: "/v1/stats/sales", method: .get)
            #expect(anonymous.status == .unauthorized && anonymous.headers[.wwwAuthenticate] == "Bearer")
        }
    }

    @Test func healthMetricsAndMethodNotAllowed() async throws {
        let options = ServerOptions()
        try await APIFixture.run(options: options) { fixture, client in
            let live = try await client.execute(uri: "/health/live", method: .get)
            #expect(live.status == .ok)
            let notReady = try await client.execute(uri: "/health/ready", method: .get)
            #expect(notReady.status == .serviceUnavailable)
            options.readiness.set(true)
            let ready = try await client.execute(uri: "/health/ready", method: .get)
            #expect(ready.status == .ok)

            _ = try await client.post("/v1/products", #"{"sku":"MUG","name":"Mug","priceCents":500,"stock":10}"#, token: fixture.admin)
            _ = try await client.execute(uri: "/v1/products", method: .get)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = String(buffer: metrics.body)
            for name in [
                #"strata_http_requests_total{route="/v1/products",method="POST",status="201"} 1"#,
                "strata_http_request_duration_seconds_bucket", "strata_events_appended_total", "strata_append_batch_requests_bucket",
                "strata_commit_duration_seconds_bucket", #"strata_projection_lag_events{projection="sales"}"#, "strata_view_cache_hits_total",
            ] {
                #expect(text.contains(name), "metrics lack \(name)")
            }

            let put = try await client.execute(uri: "/v1/products", method: .put, headers: jsonHeaders(fixture.admin), body: ByteBuffer(string: "{}"))
            #expect(put.status == .methodNotAllowed && put.headers[.allow] == "GET, POST")
            #expect(try decode(Problem.self, put).code == "method_not_allowed")
            let patchOrder = try await client.execute(uri: "/v1/orders/some-id", method: .patch)
            #expect(patchOrder.status == .methodNotAllowed && patchOrder.headers[.allow] == "GET")
            let missing = try await client.execute(uri: "/v1/nothing-here", method: .get)
            #expect(missing.status == .notFound && missing.headers[.strataRequestID] != nil)
        }
    }
}
