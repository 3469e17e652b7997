import Foundation
import StrataTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Abusive clients meet the limits API.md promises: oversized headers and bodies, too many live
/// feeds, idle and trickling connections.
@Suite(.serialized) struct LimitsTests {
    @Test func oversizedHeadersAre431AndOversizedBodies413() throws {
        let directory = TemporaryDirectory("server")
        defer { directory.remove() }
        let server = try LiveServer(directory: directory.path, environment: ["STRATA_MAX_HEADER_BYTES": "4096", "STRATA_MAX_BODY_BYTES": "2048"])
        defer { _ = try? server.stop() }
        try server.waitUntilReady()
        let big = try server.request("GET", "/v1/products", headers: ["X-Padding": String(repeating: "p", count: 6000)])
        #expect(big.status == 431)
        #expect(big.body.contains(#""code":"headers_too_large""#) && big.headers["strata-request-id"] != nil)
        #expect(try server.request("GET", "/v1/products", headers: ["X-Padding": String(repeating: "p", count: 1000)]).status == 200)
        let body = #"{"name":"\#(String(repeating: "n", count: 3000))","email":"a@example.com","password":"long enough"}"#
        let large = try server.request("POST", "/v1/users", body: body)
        #expect(large.status == 413 && large.body.contains(#""code":"payload_too_large""#))
        // Far past the parser's allowance, however far: the same 431, never served.
        for size in [200_000, 300 << 10, 1 << 20] {
            let huge = try server.request("GET", "/v1/products", headers: ["X-Padding": String(repeating: "p", count: size)])
            #expect(huge.status == 431, "\(size) bytes: \(huge.status)")
            #expect(huge.body.contains(#""code":"headers_too_large""#) && huge.headers["strata-request-id"] != nil, "\(size) bytes: \(huge.body)")
        }
        #expect(try server.request("GET", "/v1/products").status == 200)
    }

    @Test func liveFeedsAreLimitedPerUserAndInAll() throws {
        let directory = TemporaryDirectory("server")
        defer { directory.remove() }
        // A feed whose client went is noticed at the next write: heartbeats every 0.2 s here.
        let server = try LiveServer(
            directory: directory.path,
            environment: ["STRATA_SSE_PER_USER": "2", "STRATA_SSE_TOTAL": "3", "STRATA_SSE_HEARTBEAT": "0.2"]
        )
        defer { _ = try? server.stop() }
        try server.waitUntilReady()
        let admin = try server.adminToken()
        func openFeed(_ token: String) throws -> (Connection, String) {
            let feed = try Connection(port: server.port)
            try feed.send(LiveServer.requestText("GET", "/v1/admin/events/live?after=0", headers: ["Authorization": "Bearer \(token)"], body: nil))
            let (bytes, _) = feed.read(timeout: 5) { String(decoding: $0, as: UTF8.self).contains("\r\n\r\n") }
            return (feed, String(decoding: bytes, as: UTF8.self))
        }
        let (first, firstHead) = try openFeed(admin)
        let (second, secondHead) = try openFeed(admin)
        #expect(firstHead.hasPrefix("HTTP/1.1 200") && secondHead.hasPrefix("HTTP/1.1 200"))
        // The same user's third: 429 with Retry-After.
        let (third, thirdHead) = try openFeed(admin)
        #expect(thirdHead.hasPrefix("HTTP/1.1 429") && thirdHead.lowercased().contains("retry-after:"))
        third.close()
        // A customer signs up and in.
        let created = try server.request(
            "POST",
            "/v1/users",
            body: #"{"name":"Other","email":"other@example.com","password":"other password"}"#
        )
        #expect(created.status == 201)
        let other = try #require(
            try server.request("POST", "/v1/sessions", body: #"{"email":"other@example.com","password":"other password"}"#).json()["accessToken"] as? String
        )
        // A customer may not open feeds at all.
        let (customerFeed, customerHead) = try openFeed(other)
        #expect(customerHead.hasPrefix("HTTP/1.1 403"))
        customerFeed.close()
        // Closing a feed gives its place back.
        first.close()
        var reopened = ""
        for _ in 0..<50 where !reopened.hasPrefix("HTTP/1.1 200") {
            Thread.sleep(forTimeInterval: 0.1)
            let (feed, head) = try openFeed(admin)
            reopened = head
            if !head.hasPrefix("HTTP/1.1 200") { feed.close() } else { second.close(); feed.close() }
        }
        #expect(reopened.hasPrefix("HTTP/1.1 200"))
    }

    @Test func theServerIsFullAt503() throws {
        let directory = TemporaryDirectory("server")
        defer { directory.remove() }
        let server = try LiveServer(directory: directory.path, environment: ["STRATA_SSE_PER_USER": "5", "STRATA_SSE_TOTAL": "2"])
        defer { _ = try? server.stop() }
        try server.waitUntilReady()
        let admin = try server.adminToken()
        var feeds: [Connection] = []
        defer { for feed in feeds { feed.close() } }
        var heads: [String] = []
        for _ in 0..<3 {
            let feed = try Connection(port: server.port)
            feeds.append(feed)
            try feed.send(LiveServer.requestText("GET", "/v1/admin/events/live?after=0", headers: ["Authorization": "Bearer \(admin)"], body: nil))
            let (bytes, _) = feed.read(timeout: 5) { String(decoding: $0, as: UTF8.self).contains("\r\n\r\n") }
            heads.append(String(decoding: bytes, as: UTF8.self))
        }
        #expect(heads[0].hasPrefix("HTTP/1.1 200") && heads[1].hasPrefix("HTTP/1.1 200"))
        #expect(heads[2].hasPrefix("HTTP/1.1 503") && heads[2].lowercased().contains("retry-after:") && heads[2].contains(#""code":"unavailable""#))
    }

    @Test func idleAndTricklingConnectionsAreClosed() throws {
        let directory = TemporaryDirectory("server")
        defer { directory.remove() }
        let server = try LiveServer(directory: directory.path, environment: ["STRATA_IDLE_TIMEOUT": "1"])
        defer { _ = try? server.stop() }
        try server.waitUntilReady()
        // A connection that sends nothing.
        let silent = try Connection(port: server.port)
        defer { silent.close() }
        let (_, silentClosed) = silent.read(timeout: 5)
        #expect(silentClosed)
        // A request that never finishes its headers.
        let trickle = try Connection(port: server.port)
        defer { trickle.close() }
        try trickle.send("GET /v1/products HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        let (_, trickleClosed) = trickle.read(timeout: 5)
        #expect(trickleClosed)
        // A live feed is not idle: it stays open past the timeout while the server writes.
        let token = try server.adminToken()
        let feed = try Connection(port: server.port)
        defer { feed.close() }
        try feed.send(LiveServer.requestText("GET", "/v1/admin/events/live?after=0", headers: ["Authorization": "Bearer \(token)"], body: nil))
        let (_, feedClosed) = feed.read(timeout: 2.5)
        #expect(!feedClosed)
    }
}
