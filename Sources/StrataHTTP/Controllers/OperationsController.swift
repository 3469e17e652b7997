import HTTPTypes
import Hummingbird
import NIOCore

/// `/health/live` (the process answers) and `/health/ready` (503 until ``Readiness`` is set, and
/// while the store's database cannot be reached; its `store` says `unreachable` then, `full` while
/// writes are refused for want of room, else `writable`), and `/metrics`
/// in the Prometheus text format. Open to everyone, for probes and scrapers.
public struct OperationsController<Context: StrataRequestContextProtocol>: Sendable {
    let readiness: Readiness
    let store: StoreCondition
    let reachable: @Sendable () -> Bool
    let render: @Sendable () async throws -> [UInt8]

    /// `render` gives the metrics text; `reachable` tells whether the store can be reached now.
    public init(
        readiness: Readiness,
        store: StoreCondition = StoreCondition(),
        reachable: @escaping @Sendable () -> Bool = { true },
        render: @escaping @Sendable () async throws -> [UInt8]
    ) {
        self.readiness = readiness
        self.store = store
        self.reachable = reachable
        self.render = render
    }

    public func addRoutes(to router: Router<Context>) {
        router.get("/health/live") { _, _ in try Self.status("live", .ok) }
        router.get("/health/ready") { [readiness, store, reachable] _, _ in
            guard reachable() else {
                var response = try Self.status("store unreachable", .serviceUnavailable, store: "unreachable")
                response.headers[.retryAfter] = "1"
                return response
            }
            let condition = store.isFull ? "full" : "writable"
            return try readiness.isReady
                ? Self.status("ready", .ok, store: condition) : Self.status("starting or stopping", .serviceUnavailable, store: condition)
        }
        router.get("/metrics") { [render] _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try await render())))
        }
    }

    struct Health: Encodable {
        var status: String
        var store: String?
    }

    static func status(_ text: String, _ status: HTTPResponse.Status, store: String? = nil) throws -> Response {
        try JSONResponse.make(Health(status: text, store: store), status: status)
    }
}
