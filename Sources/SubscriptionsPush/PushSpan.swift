import Instrumentation
import ServiceContextModule
import StrataKit
import StrataSubscriptions
import Tracing

/// The client span of one push POST, in the trace of the command that appended the event: a
/// command sent with a `traceparent` records it in its events' metadata, and each POST of such an
/// event is a span of that trace (`POST`, kind client, OTel's HTTP client attributes) whose
/// context the receiver gets — so the command's trace shows its webhook deliveries and the
/// receiver's work under them. An event appended without a trace starts none here.
struct PushSpan {
    private let span: (any Span)?
    /// The `traceparent` to send: the span's, or the command's as recorded when tracing is off.
    let traceparent: String?

    init(_ message: DeliveredMessage, group: String, url: String) {
        let recorded = try? EventMetadata(jsonBytes: message.event.metadata).traceparent
        guard let recorded else {
            (span, traceparent) = (nil, nil)
            return
        }
        var parent = ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(["traceparent": recorded], into: &parent, using: TextMapExtractor())
        let span = startSpan("POST", context: parent, ofKind: .client)
        var propagated: [String: String] = [:]
        InstrumentationSystem.instrument.inject(span.context, into: &propagated, using: TextMapInjector())
        self.span = span
        traceparent = propagated["traceparent"] ?? recorded
        guard span.isRecording else { return }
        span.updateAttributes { attributes in
            attributes["http.request.method"] = "POST"
            attributes["url.full"] = url
            attributes["strata.subscription.group"] = group
            attributes["strata.delivery"] = message.ackId
            attributes["strata.deliveries"] = message.deliveries
            attributes["strata.position"] = Int64(clamping: message.event.position)
        }
    }

    /// Ends the span with the receiver's answer (`status`), and when the push failed, why
    /// (`error`: the status, `timeout`, `connection`, `cancelled`).
    func end(status: Int?, error: String?) {
        guard let span else { return }
        if span.isRecording {
            if let status { span.attributes["http.response.status_code"] = status }
            if let error {
                span.attributes["error.type"] = error
                span.setStatus(SpanStatus(code: .error))
            }
        }
        span.end()
    }
}

/// Reads trace headers from a name → value map.
private struct TextMapExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? { carrier[key] }
}

/// Writes trace headers into a name → value map.
private struct TextMapInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
}
