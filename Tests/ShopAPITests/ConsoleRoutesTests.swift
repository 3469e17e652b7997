import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import IdentityAPI
import ShopAPI
import ShopTestSupport
import StrataServer
import StrataHTTP
import StrataPostgres
import Testing

private struct SummaryBody: Decodable {
    struct Store: Decodable {
        var usedBytes: Int
        var fileSize: Int
        var mapSize: Int
        var full: Bool
    }
    struct Cache: Decodable {
        var hits: Int
        var misses: Int
        var hitRate: Double
        var entries: Int
        var bytes: Int
    }
    var headPosition: UInt64
    var events: Int
    var streams: Int
    var eventsPerSecond: Double
    var rateWindowSeconds: Int
    var store: Store
    var cache: Cache
    var projections: [ProjectionBody]
}

/// The console's files at `/admin` and the dashboard's `GET /v1/admin/summary`. The page itself
/// is driven in a real browser by `tools/console_test.py` (`make console-test`).
@Suite struct ConsoleRoutesTests {
    private static let securityHeaders: [(HTTPField.Name, String)] = [
        (HTTPField.Name("X-Content-Type-Options")!, "nosniff"),
        (HTTPField.Name("X-Frame-Options")!, "DENY"),
        (HTTPField.Name("Referrer-Policy")!, "no-referrer"),
    ]

    @Test func thePageAndItsFilesComeWithStrictHeadersAndETags() async throws {
        try await APIFixture.run { _, client in
            let page = try await client.execute(uri: "/admin", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let csp = try #require(page.headers[HTTPField.Name("Content-Security-Policy")!])
            #expect(csp.contains("default-src 'none'") && csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"))
            #expect(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval") && !csp.contains("http"))
            for (name, value) in Self.securityHeaders { #expect(page.headers[name] == value, "\(name)") }
            let html = String(buffer: page.body)
            #expect(html.contains(#"<script type="module" src="/admin/app.js"></script>"#))
            #expect(!html.contains("<script>") && !html.contains("onclick") && !html.contains("style="))

            let etag = try #require(page.headers[.eTag])
            let again = try await client.execute(uri: "/admin", method: .get, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified && again.body.readableBytes == 0)

            for (file, type) in [("app.js", "text/javascript; charset=utf-8"), ("console.css", "text/css; charset=utf-8"), ("tail.js", "text/javascript; charset=utf-8")] {
                let asset = try await client.execute(uri: "/admin/\(file)", method: .get)
                #expect(asset.status == .ok && asset.headers[.contentType] == type, "\(file)")
                #expect(asset.headers[.eTag] != nil && asset.headers[.eTag] != etag, "\(file)")
                #expect(asset.headers[HTTPField.Name("Content-Security-Policy")!] == csp)
            }
            let missing = try await client.execute(uri: "/admin/nothing.js", method: .get)
            #expect(missing.status == .notFound && missing.headers[.contentType] == "application/problem+json")
            let outside = try await client.execute(uri: "/admin/..%2Fmain.swift", method: .get)
            #expect(outside.status == .notFound)
        }
    }

    @Test func everyScriptThePageLoadsIsServedAndNothingComesFromElsewhere() async throws {
        try await APIFixture.run { _, client in
            let app = String(buffer: try await client.execute(uri: "/admin/app.js", method: .get).body)
            let imports = app.split(separator: "\n").filter { $0.hasPrefix("import ") }
            #expect(imports.count >= 5)
            for line in imports {
                let file = try #require(line.split(separator: "\"").dropFirst().first).replacingOccurrences(of: "./", with: "")
                let response = try await client.execute(uri: "/admin/\(file)", method: .get)
                #expect(response.status == .ok, "\(file)")
                let text = String(buffer: response.body)
                #expect(!text.contains("innerHTML") && !text.contains("insertAdjacentHTML") && !text.contains("eval("), "\(file)")
                #expect(!text.contains("http://") && !text.contains("https://"), "\(file) names another origin")
            }
        }
    }

    @Test func theSummaryIsForAdminsAndTellsTheHeadTheCacheAndTheProjections() async throws {
        let options = ServerOptions()
        try await APIFixture.run(options: options) { fixture, client in
            let anonymous = try await client.execute(uri: "/v1/admin/summary", method: .get)
            #expect(anonymous.status == .unauthorized)
            let customer = try await client.execute(uri: "/v1/admin/summary", method: .get, headers: [.authorization: "Bearer \(fixture.customer)"])
            #expect(customer.status == .forbidden)

            let created = try await client.post("/v1/products", #"{"sku":"S-1","name":"Summary","priceCents":5,"stock":2}"#, token: fixture.admin)
            let id = try decode(ProductBody.self, created).id
            for _ in 0..<3 { _ = try await client.execute(uri: "/v1/products/\(id)", method: .get) }

            let response = try await client.execute(uri: "/v1/admin/summary", method: .get, headers: [.authorization: "Bearer \(fixture.admin)"])
            #expect(response.status == .ok && response.headers[.cacheControl] == "no-store")
            let summary = try decode(SummaryBody.self, response)
            #expect(summary.headPosition == (try fixture.log.headPosition()))
            #expect(summary.events == Int(summary.headPosition) && summary.streams >= 3)
            #expect(summary.eventsPerSecond > 0 && summary.rateWindowSeconds == 10)
            #expect(summary.store.usedBytes > 0 && summary.store.fileSize >= summary.store.usedBytes && (summary.store.mapSize >= summary.store.fileSize || (fixture.log is PostgresEventStore && summary.store.mapSize == 0)))
            #expect(!summary.store.full)
            #expect(summary.cache.hits >= 2 && summary.cache.misses >= 1 && summary.cache.hitRate > 0 && summary.cache.hitRate <= 1)
            #expect(Set(summary.projections.map(\.name)).isSuperset(of: ["users", "products", "orders", "sales"]))
        }
    }
}
