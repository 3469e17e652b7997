import Foundation
import StrataTestSupport
import Testing

/// Traces of a live strata-server exported over OTLP/HTTP (JSON) to a receiver on loopback: a
/// command sent with a `traceparent` continues that trace, its request span is the parent of the
/// decision's and the commit's spans, the commit's is the parent of each inline projection's, and
/// the request's log line names the trace id; a trace the caller did not sample records nothing,
/// and a streamed answer's span lasts as long as its stream.
@Suite(.serialized) struct TracingTests {
    /// Runs a server exporting its traces to a receiver on loopback while `body` runs.
    private func withTracedServer(
        _ label: String, environment: [String: String] = [:], _ body: (SpanReceiver, LiveServer) async throws -> Void
    ) async throws {
        let receiver = try await SpanReceiver.start()
        defer { receiver.stop() }
        let directory = TemporaryDirectory(label)
        defer { directory.remove() }
        let server = try receiver.tracedServer(directory: directory.path, environment: environment)
        defer { _ = try? server.stop() }
        try server.waitUntilReady()
        try await body(receiver, server)
    }

    @Test func aCommandsSpansFormOneTreeUnderTheCallersTrace() async throws {
        try await withTracedServer("tracing") { receiver, server in
            var headers = try server.adminHeaders()
            let traceID = "4bf92f3577b34da6a3ce929d0e0e4736", callerSpan = "00f067aa0ba902b7"
            headers["traceparent"] = "00-\(traceID)-\(callerSpan)-01"
            let made = try server.request("POST", "/v1/products", headers: headers, body: #"{"sku":"TRACE-1","name":"Traced","priceCents":100,"stock":1}"#)
            #expect(made.status == 201)

            var ours: [[String: Any]] = []
            // The batch exporter sends every 100 ms here; under a loaded machine give it half a minute.
            for _ in 0..<300 {
                ours = try receiver.spans().filter { Self.hex($0["traceId"]) == traceID }
                let names = Set(ours.compactMap { $0["name"] as? String })
                if names.isSuperset(of: ["strata.commit", "strata.decide", "strata.project"]) && ours.contains(where: { Self.hex($0["parentSpanId"]) == callerSpan }) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let request = try #require(ours.first { Self.hex($0["parentSpanId"]) == callerSpan }, "no span under the caller's: \(ours.map { $0["name"] ?? "" })")
            #expect(request["name"] as? String == "POST /v1/products")
            #expect(Self.attribute("http.route", of: request) as? String == "/v1/products")
            #expect(Self.attribute("http.response.status_code", of: request).map { "\($0)" } == "201")
            let requestSpan = Self.hex(request["spanId"])
            let children = ours.filter { Self.hex($0["parentSpanId"]) == requestSpan }.compactMap { $0["name"] as? String }
            #expect(children.contains("strata.commit"), "\(children)")
            let commit = try #require(ours.first { $0["name"] as? String == "strata.commit" })
            // Decided before the commit (LMDB), or inside it on the writer (PostgreSQL: a child of the commit).
            let decide = try #require(ours.first { $0["name"] as? String == "strata.decide" })
            #expect([requestSpan, Self.hex(commit["spanId"])].contains(Self.hex(decide["parentSpanId"])))
            let attributes = (commit["attributes"] as? [[String: Any]] ?? []).compactMap { $0["key"] as? String }
            #expect(attributes.contains("strata.events") && attributes.contains("strata.position.last"), "\(attributes)")
            // The inline projections run on the writer thread, inside the commit: their spans are its children.
            let projected = ours.filter { Self.hex($0["parentSpanId"]) == Self.hex(commit["spanId"]) && $0["name"] as? String == "strata.project" }
            let names = projected.compactMap { Self.attribute("strata.projection", of: $0) as? String }
            #expect(names.contains("products"), "inline projections' spans under the commit: \(names)")
            // Made afterwards from the instants the writer read, they lie within the commit's.
            for span in projected + ours.filter({ $0["name"] as? String == "strata.decide" }) {
                #expect(Self.nanos(span, "startTimeUnixNano") <= Self.nanos(span, "endTimeUnixNano"))
                if Self.hex(span["parentSpanId"]) == Self.hex(commit["spanId"]) {
                    #expect(Self.nanos(span, "startTimeUnixNano") >= Self.nanos(commit, "startTimeUnixNano"))
                    #expect(Self.nanos(span, "endTimeUnixNano") <= Self.nanos(commit, "endTimeUnixNano"))
                }
            }
            #expect(server.stderrText().contains(traceID), "the request's log line names its trace id")

            // A caller's trace it did not sample (flags 00): no span of that command is recorded,
            // those of the server's own work under it included.
            let unsampled = "5bf92f3577b34da6a3ce929d0e0e4737"
            headers["traceparent"] = "00-\(unsampled)-\(callerSpan)-00"
            let second = try server.request("POST", "/v1/products", headers: headers, body: #"{"sku":"TRACE-2","name":"Untraced","priceCents":100,"stock":1}"#)
            #expect(second.status == 201)
            headers["traceparent"] = "00-\(traceID)-\(callerSpan)-01"
            let marker = try server.request("GET", "/v1/products?limit=1", headers: headers)
            #expect(marker.status == 200)
            for _ in 0..<300 {
                if try receiver.spans().contains(where: { $0["name"] as? String == "GET /v1/products" }) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            let leaked = try receiver.spans().filter { Self.hex($0["traceId"]) == unsampled }
            #expect(leaked.isEmpty, "spans of an unsampled trace: \(leaked.map { $0["name"] ?? "" })")
        }
    }

    /// A pushed event's POST is a client span in the trace of the command that appended it, and
    /// the receiver gets that span's context; an event appended without a trace starts none.
    @Test func aPushIsASpanOfTheCommandsTrace() async throws {
        let webhook = try await PushReceiver.start(refusing: 1)
        defer { webhook.stop() }
        try await withTracedServer("tracing-push") { receiver, server in
            let headers = try server.adminHeaders()
            let made = try server.request("PUT", "/v1/subscriptions/hook", headers: headers, body: #"{"eventTypes":["ProductCreated"],"push":{"url":"\#(webhook.url)","secret":"0123456789abcdef"}}"#)
            #expect(made.status == 201)
            let traceID = "7bf92f3577b34da6a3ce929d0e0e4739", callerSpan = "00f067aa0ba902b7"
            var traced = headers
            traced["traceparent"] = "00-\(traceID)-\(callerSpan)-01"
            #expect(try server.request("POST", "/v1/products", headers: traced, body: #"{"sku":"PUSH-1","name":"Traced","priceCents":100,"stock":1}"#).status == 201)
            #expect(try await webhook.waitFor(1) == 1)
            #expect(try server.request("POST", "/v1/products", headers: headers, body: #"{"sku":"PUSH-0","name":"Untraced","priceCents":100,"stock":1}"#).status == 201)
            #expect(try await webhook.waitFor(2) == 2)

            var posts: [[String: Any]] = []
            for _ in 0..<300 {
                posts = try receiver.spans().filter { $0["name"] as? String == "POST" }
                if posts.count >= 2 { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            // The traced event's two POSTs (refused once, then taken); none for the untraced one, a
            // second later (the exporter sends every 100 ms here).
            try await Task.sleep(for: .seconds(1))
            posts = try receiver.spans().filter { $0["name"] as? String == "POST" }
            #expect(posts.count == 2, "\(posts.map { Self.hex($0["traceId"]) })")
            #expect(posts.allSatisfy { Self.hex($0["traceId"]) == traceID && Self.hex($0["parentSpanId"]) == callerSpan })
            #expect(posts.allSatisfy { Self.attribute("strata.subscription.group", of: $0) as? String == "hook" })
            let statuses = Set(posts.compactMap { Self.attribute("http.response.status_code", of: $0).map { "\($0)" } })
            #expect(statuses == ["503", "200"], "\(statuses)")
            // The receiver was handed each POST's own span as the parent.
            let sent = Set(webhook.traceparents)
            #expect(sent == Set(posts.map { "00-\(traceID)-\(Self.hex($0["spanId"]))-01" }), "\(sent)")
        }
    }

    /// A streamed answer's span lasts as long as the stream: the live feed's ends when the feed
    /// does (its client left), not when its handler returned the body.
    @Test func aLiveFeedsSpanEndsWithTheFeed() async throws {
        try await withTracedServer("tracing-feed", environment: ["STRATA_SSE_HEARTBEAT": "1"]) { receiver, server in
            let traceID = "6bf92f3577b34da6a3ce929d0e0e4738"
            let feed = try Connection(port: server.port)
            try feed.send(LiveServer.requestText("GET", "/v1/admin/events/live?after=0", headers: [
                "Authorization": "Bearer \(try server.adminToken())",
                "traceparent": "00-\(traceID)-00f067aa0ba902b7-01",
            ], body: nil))
            let (opened, _) = feed.read(timeout: 5) { String(decoding: $0, as: UTF8.self).contains("event: SessionStarted") }
            #expect(String(decoding: opened, as: UTF8.self).contains("HTTP/1.1 200"))
            try await Task.sleep(for: .seconds(1.5))
            #expect(try receiver.spans().filter { Self.hex($0["traceId"]) == traceID }.isEmpty, "the feed's span ended while it was open")
            feed.close()

            var span: [String: Any]?
            for _ in 0..<300 where span == nil {
                span = try receiver.spans().first { Self.hex($0["traceId"]) == traceID }
                try await Task.sleep(for: .milliseconds(100))
            }
            let ended = try #require(span, "no span for the feed once it closed")
            #expect(ended["name"] as? String == "GET /v1/admin/events/live")
            let start = Self.nanos(ended, "startTimeUnixNano"), end = Self.nanos(ended, "endTimeUnixNano")
            #expect(end >= start + 1_500_000_000, "the span lasted \(Double(end &- start) / 1e9) s")
        }
    }

    /// The value of a span's attribute `key` (a string, or an integer as OTLP/JSON writes it).
    static func attribute(_ key: String, of span: [String: Any]) -> Any? {
        let value = (span["attributes"] as? [[String: Any]] ?? []).first { $0["key"] as? String == key }?["value"] as? [String: Any]
        return value?["stringValue"] ?? value?["intValue"]
    }

    /// A span's time field (nanoseconds since the epoch; OTLP/JSON writes them as strings).
    static func nanos(_ span: [String: Any], _ field: String) -> UInt64 {
        UInt64("\(span[field] ?? "")") ?? 0
    }

    /// An id as OTLP/JSON writes it: lowercase hex (base64 from a proto3 JSON encoder, turned to hex).
    static func hex(_ value: Any?) -> String {
        guard let text = value as? String else { return "" }
        if text.count == 32 || text.count == 16, text.allSatisfy(\.isHexDigit) { return text.lowercased() }
        guard let data = Data(base64Encoded: text) else { return text }
        return data.map { String(format: "%02x", $0) }.joined()
    }
}
