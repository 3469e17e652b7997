import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// Whether the server may take traffic: set once the store is open and async projections run,
/// cleared when shutdown begins.
public final class Readiness: Sendable {
    private let ready = Atomic<Bool>(false)

    public init() {}

    public var isReady: Bool { ready.load(ordering: .acquiring) }

    public func set(_ value: Bool) { ready.store(value, ordering: .releasing) }
}

/// `/health/live` (the process answers) and `/health/ready` (503 until ``Readiness`` is set),
/// and `/metrics` in the Prometheus text format. Open to everyone, for probes and scrapers.
public struct OperationsController<Context: StrataRequestContextProtocol>: Sendable {
    let readiness: Readiness
    let render: @Sendable () throws -> [UInt8]

    /// `render` gives the metrics text.
    public init(readiness: Readiness, render: @escaping @Sendable () throws -> [UInt8]) {
        self.readiness = readiness
        self.render = render
    }

    public func addRoutes(to router: Router<Context>) {
        router.get("/health/live") { _, _ in Self.status("live", .ok) }
        router.get("/health/ready") { [readiness] _, _ in
            readiness.isReady ? Self.status("ready", .ok) : Self.status("starting or stopping", .serviceUnavailable)
        }
        router.get("/metrics") { [render] _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try render())))
        }
    }

    static func status(_ text: String, _ status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: #"{"status":"\#(text)"}"#)))
    }
}
