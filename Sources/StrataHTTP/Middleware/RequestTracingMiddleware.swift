import HTTPTypes
import Hummingbird
import Instrumentation
import ServiceContextModule
import Synchronization
import Tracing

/// Runs each request in a server span: under the caller's W3C trace context when the request
/// carries one, named `METHOD route`, with OpenTelemetry's HTTP attributes (method, path, query,
/// route, status, body sizes, user agent).
///
/// Hummingbird's `TracingMiddleware` ends the span once the body is written by wrapping every
/// response body in a closure, which takes buffered answers off the one-write path and costs
/// every request — sampled or not — extra socket writes (a profile of the order load: a third of
/// tracing's cost, with 10% of traces sampled). Here a buffered body's span ends when the handler
/// has answered, and only a streamed body (no content length: the live event feed) is wrapped to
/// end it after the last write. A request not sampled records nothing and is not wrapped; its
/// context still goes to the spans under it, so that they are not sampled either.
public struct RequestTracingMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var parent = ServiceContext.current ?? .topLevel
        InstrumentationSystem.instrument.extract(request.headers, into: &parent, using: FieldsExtractor())
        let span = startSpan(request.method.rawValue, context: parent, ofKind: .server)
        guard span.isRecording else {
            defer { span.end() }
            return try await ServiceContext.$current.withValue(span.context) { try await next(request, context) }
        }
        span.updateAttributes { attributes in
            attributes["http.request.method"] = request.method.rawValue
            attributes["url.path"] = request.uri.path
            attributes["url.query"] = request.uri.query
            attributes["user_agent.original"] = request.headers[.userAgent]
            attributes["http.request.body.size"] = request.headers[.contentLength].flatMap { Int($0) }
        }
        let response: Response
        do {
            response = try await ServiceContext.$current.withValue(span.context) { try await next(request, context) }
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            name(span, request, context)
            span.attributes["http.response.status_code"] = status
            span.recordError(error)
            if status >= 500 { span.setStatus(SpanStatus(code: .error)) }
            span.end()
            throw error
        }
        name(span, request, context)
        span.updateAttributes { attributes in
            attributes["http.response.status_code"] = response.status.code
            attributes["http.response.body.size"] = response.body.contentLength
        }
        if response.status.code >= 500 { span.setStatus(SpanStatus(code: .error)) }
        guard response.body.contentLength == nil else {
            span.end()
            return response
        }
        var streamed = response
        let ending = SpanEnding(span), body = response.body
        streamed.body = ResponseBody { writer in
            defer { ending.end() }
            let written = body
            try await written.write(writer)
        }
        return streamed
    }

    /// Names the span by the route that answered (`POST /v1/orders/{id}/pay`), as OpenTelemetry's
    /// HTTP conventions ask, or by the method alone when no route matched.
    private func name(_ span: any Span, _ request: Request, _ context: Context) {
        guard let route = context.endpointPath else { return }
        span.operationName = "\(request.method.rawValue) \(route)"
        span.attributes["http.route"] = route
    }
}

/// Ends a streamed response's span once: after its last write, or when the body is dropped unwritten.
private final class SpanEnding: Sendable {
    private let span: Mutex<(any Span)?>

    init(_ span: any Span) { self.span = Mutex(span) }

    func end() { span.withLock { $0.take() }?.end() }

    deinit { end() }
}

/// Reads propagated fields (`traceparent`, `tracestate`) from request headers.
private struct FieldsExtractor: Extractor {
    func extract(key name: String, from headers: HTTPFields) -> String? {
        HTTPField.Name(name).flatMap { headers[$0] }
    }
}
