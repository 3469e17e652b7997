import Foundation
import HTTPTypes
import Hummingbird
import StrataTestSupport
import Synchronization
import Testing

/// Traces of a live strata-server exported over OTLP/HTTP (JSON) to a receiver on loopback: a
/// command sent with a `traceparent` continues that trace, its request span is the parent of the
/// decision's and the commit's spans, the commit's is the parent of each inline projection's, and
/// the request's log line names the trace id.
@Suite(.serialized) struct TracingTests {
    @Test func aCommandsSpansFormOneTreeUnderTheCallersTrace() async throws {
        let exports = Mutex<[Data]>([])
        let router = Router()
        router.post("v1/traces") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 16 << 20)
            exports.withLock { $0.append(Data(body.readableBytesView)) }
            return .ok
        }
        let receiver = try await LoopbackServer.start(router)
        defer { receiver.stop() }
        let port = receiver.port

        let directory = TemporaryDirectory("tracing")
        defer { directory.remove() }
        let server = try LiveServer(directory: directory.path, environment: [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(port)",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
            "OTEL_BSP_SCHEDULE_DELAY": "100",
            "STRATA_LOG_LEVEL": "info",
        ])
        defer { _ = try? server.stop() }
        try server.waitUntilReady()
        var headers = try server.adminHeaders()
        let traceID = "4bf92f3577b34da6a3ce929d0e0e4736", callerSpan = "00f067aa0ba902b7"
        headers["traceparent"] = "00-\(traceID)-\(callerSpan)-01"
        let made = try server.request("POST", "/v1/products", headers: headers, body: #"{"sku":"TRACE-1","name":"Traced","priceCents":100,"stock":1}"#)
        #expect(made.status == 201)

        var ours: [[String: Any]] = []
        // The batch exporter sends every 100 ms here; under a loaded machine give it half a minute.
        for _ in 0..<300 {
            ours = try Self.spans(in: exports.withLock { $0 }).filter { Self.hex($0["traceId"]) == traceID }
            let names = Set(ours.compactMap { $0["name"] as? String })
            if names.isSuperset(of: ["strata.commit", "strata.decide", "strata.project"]) && ours.contains(where: { Self.hex($0["parentSpanId"]) == callerSpan }) { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let request = try #require(ours.first { Self.hex($0["parentSpanId"]) == callerSpan }, "no span under the caller's: \(ours.map { $0["name"] ?? "" })")
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
        let names = projected.compactMap { span in
            (span["attributes"] as? [[String: Any]] ?? []).first { $0["key"] as? String == "strata.projection" }
                .flatMap { ($0["value"] as? [String: Any])?["stringValue"] as? String }
        }
        #expect(names.contains("products"), "inline projections' spans under the commit: \(names)")
        #expect(server.stderrText().contains(traceID), "the request's log line names its trace id")
    }

    /// Every span of the OTLP/JSON exports received.
    static func spans(in exports: [Data]) throws -> [[String: Any]] {
        var spans: [[String: Any]] = []
        for export in exports {
            let object = try JSONSerialization.jsonObject(with: export) as? [String: Any] ?? [:]
            for resource in object["resourceSpans"] as? [[String: Any]] ?? [] {
                for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] { spans += scope["spans"] as? [[String: Any]] ?? [] }
            }
        }
        return spans
    }

    /// An id as OTLP/JSON writes it: lowercase hex (base64 from a proto3 JSON encoder, turned to hex).
    static func hex(_ value: Any?) -> String {
        guard let text = value as? String else { return "" }
        if text.count == 32 || text.count == 16, text.allSatisfy(\.isHexDigit) { return text.lowercased() }
        guard let data = Data(base64Encoded: text) else { return text }
        return data.map { String(format: "%02x", $0) }.joined()
    }
}
