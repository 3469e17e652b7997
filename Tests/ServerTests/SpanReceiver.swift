import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// An OTLP/HTTP (JSON) trace receiver on a loopback port for the live-server tests: it keeps
/// every export it is sent and reads the spans out of them.
final class SpanReceiver: Sendable {
    /// The exports' bodies, as received.
    private final class Exports: Sendable {
        let bodies = Mutex<[Data]>([])
    }

    private let exports: Exports
    private let server: LoopbackServer

    private init(exports: Exports, server: LoopbackServer) {
        self.exports = exports
        self.server = server
    }

    /// A receiver listening before this returns.
    static func start() async throws -> SpanReceiver {
        let exports = Exports()
        let router = Router()
        router.post("v1/traces") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 16 << 20)
            exports.bodies.withLock { $0.append(Data(body.readableBytesView)) }
            return .ok
        }
        return SpanReceiver(exports: exports, server: try await LoopbackServer.start(router))
    }

    /// A strata-server on `directory` exporting its spans here as JSON every 100 ms, logging each
    /// request (with its trace id).
    func tracedServer(directory: String, environment: [String: String] = [:]) throws -> LiveServer {
        try LiveServer(directory: directory, environment: [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(server.port)",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
            "OTEL_BSP_SCHEDULE_DELAY": "100",
            "STRATA_LOG_LEVEL": "info",
        ].merging(environment) { $1 })
    }

    /// Every span received so far.
    func spans() throws -> [[String: Any]] {
        var spans: [[String: Any]] = []
        for export in exports.bodies.withLock({ $0 }) {
            let object = try JSONSerialization.jsonObject(with: export) as? [String: Any] ?? [:]
            for resource in object["resourceSpans"] as? [[String: Any]] ?? [] {
                for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] { spans += scope["spans"] as? [[String: Any]] ?? [] }
            }
        }
        return spans
    }

    func stop() { server.stop() }
}
