import OTel
import ServiceLifecycle

/// Traces sent over OTLP with swift-otel when `OTEL_EXPORTER_OTLP_ENDPOINT` is set: spans only
/// (the server's logs and metrics stay its own), configured further by the standard `OTEL_…`
/// variables (`OTEL_EXPORTER_OTLP_PROTOCOL`, `OTEL_SERVICE_NAME`, sampling, batching).
enum TraceExport {
    /// Makes swift-otel the process's tracer and returns the service that exports its spans; run
    /// it first in the service group, so that it stops last and flushes what the others traced.
    static func bootstrap(serviceName: String) throws -> any Service {
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.enabled = true
        return try OTel.bootstrap(configuration: configuration)
    }
}
