import HTTPTypes
import Hummingbird
import Instrumentation
import Logging
import ServiceContextModule

/// Logs every request once, when it is answered: method, path, status and duration, with the
/// request id in the metadata (structured; nothing of it in the message text) — and, when
/// requests are traced, the trace id (`trace.id`) of the request's span.
public struct AccessLogMiddleware<Context: StrataRequestContextProtocol>: RouterMiddleware {
    let logger: Logger
    let traceIDs: Bool

    public init(logger: Logger, traceIDs: Bool = false) {
        self.logger = logger
        self.traceIDs = traceIDs
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        do {
            let response = try await next(request, context)
            log(request, context, status: response.status.code, since: started)
            return response
        } catch {
            log(request, context, status: (error as? any HTTPResponseError)?.status.code ?? 500, since: started)
            throw error
        }
    }

    private func log(_ request: Request, _ context: Context, status: Int, since started: ContinuousClock.Instant) {
        guard logger.logLevel <= .info else { return }
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        var metadata: Logger.Metadata = [
            "request.id": .string(context.requestID),
            "http.method": .string(request.method.rawValue),
            "http.path": .string(request.uri.path),
            "http.status": .stringConvertible(status),
            "http.duration_ms": .string(String(format: "%.2f", milliseconds)),
        ]
        if traceIDs, let traceID = Self.currentTraceID() { metadata["trace.id"] = .string(traceID) }
        logger.info("request", metadata: metadata)
    }

    /// The trace id of the span this task runs in, as the tracer would propagate it (the second
    /// field of its W3C `traceparent`).
    static func currentTraceID() -> String? {
        guard let context = ServiceContext.current else { return nil }
        var headers: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &headers, using: HeaderInjector())
        guard let parent = headers["traceparent"], parent.utf8.count >= 35 else { return nil }
        return String(parent.dropFirst(3).prefix(32))
    }
}

/// Writes propagated fields into a dictionary.
private struct HeaderInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }
}
