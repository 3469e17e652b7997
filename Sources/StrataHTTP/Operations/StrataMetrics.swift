import CoreMetrics
import Foundation
import Prometheus
import StrataKit
import StrataStore
import Synchronization

/// The server's metrics, recorded through swift-metrics into a Prometheus registry of their own
/// (no process-wide bootstrap, so several applications can live in one process) and rendered in
/// the Prometheus text format at `/metrics`: requests and their latency by route and status,
/// events appended, append batch sizes, commit latency, projection lag, view-cache hits and misses.
public final class StrataMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    private let requestMetrics = Mutex<[RouteKey: (CoreMetrics.Counter, CoreMetrics.Timer)]>([:])
    private let eventsAppended: CoreMetrics.Counter
    private let batchRequests: CoreMetrics.Recorder
    private let commitLatency: CoreMetrics.Timer
    private let cacheCounts = Mutex<(hits: Int, misses: Int)>((0, 0))
    private let cacheHits: CoreMetrics.Counter
    private let cacheMisses: CoreMetrics.Counter
    /// The consumer groups' series.
    private let groupMetrics: GroupMetrics
    /// The process's CPU seconds as last rendered.
    private let cpuSeconds = Mutex<Double>(0)

    struct RouteKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        let latencyBuckets: [Duration] = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
        ]
        factory.defaultDurationHistogramBuckets = latencyBuckets
        factory.valueHistogramBuckets["strata_append_batch_requests"] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
        self.registry = registry
        self.factory = factory
        groupMetrics = GroupMetrics(factory: factory)
        eventsAppended = CoreMetrics.Counter(label: "strata_events_appended_total", dimensions: [], factory: factory)
        batchRequests = CoreMetrics.Recorder(label: "strata_append_batch_requests", dimensions: [], aggregate: true, factory: factory)
        commitLatency = CoreMetrics.Timer(label: "strata_commit_duration_seconds", dimensions: [], factory: factory)
        cacheHits = CoreMetrics.Counter(label: "strata_view_cache_hits_total", dimensions: [], factory: factory)
        cacheMisses = CoreMetrics.Counter(label: "strata_view_cache_misses_total", dimensions: [], factory: factory)
    }

    /// Records one answered request.
    public func recordRequest(route: String, method: String, status: Int, nanoseconds: UInt64) {
        let key = RouteKey(route: route, method: method, status: status)
        let (counter, timer) = requestMetrics.withLock { cache in
            if let metrics = cache[key] { return metrics }
            let dimensions = [("route", route), ("method", method), ("status", String(status))]
            let metrics = (
                CoreMetrics.Counter(label: "strata_http_requests_total", dimensions: dimensions, factory: factory),
                CoreMetrics.Timer(label: "strata_http_request_duration_seconds", dimensions: dimensions, factory: factory)
            )
            cache[key] = metrics
            return metrics
        }
        counter.increment()
        timer.recordNanoseconds(Int64(clamping: nanoseconds))
    }

    /// Follows the log's commits: events appended, batch sizes, commit latency.
    public func observe(_ log: any EventWriting) {
        log.onCommit { [eventsAppended, batchRequests, commitLatency] report in
            eventsAppended.increment(by: report.events)
            batchRequests.record(report.requests)
            commitLatency.recordNanoseconds(Int64(clamping: report.nanoseconds))
        }
    }

    /// The registry in Prometheus text format, with projection lag, cache counts and consumer
    /// groups read now. `groups` is every group there is: a group rendered before and missing
    /// now was deleted, and its series go.
    public func render(
        projections: [ProjectionStatus],
        cache: ResponseCache?,
        store: StoreCondition? = nil,
        groups: [GroupFigures] = [],
        statistics: StoreStatistics? = nil,
        process: ProcessFigures? = ProcessFigures.current()
    ) -> [UInt8] {
        if let store {
            CoreMetrics.Gauge(label: "strata_store_full", dimensions: [], factory: factory).record(store.isFull ? 1 : 0)
        }
        for status in projections {
            CoreMetrics.Gauge(label: "strata_projection_lag_events", dimensions: [("projection", status.name)], factory: factory).record(Int64(clamping: status.lag))
            CoreMetrics.Gauge(label: "strata_projection_position", dimensions: [("projection", status.name)], factory: factory)
                .record(Int64(clamping: status.position))
        }
        if let cache {
            let statistics = cache.statistics
            CoreMetrics.Gauge(label: "strata_view_cache_bytes", dimensions: [], factory: factory).record(statistics.bytes)
            CoreMetrics.Gauge(label: "strata_view_cache_entries", dimensions: [], factory: factory).record(statistics.entries)
            let (hits, misses) = cacheCounts.withLock { seen in
                defer { seen = (statistics.hits, statistics.misses) }
                return (max(0, statistics.hits - seen.hits), max(0, statistics.misses - seen.misses))
            }
            if hits > 0 { cacheHits.increment(by: hits) }
            if misses > 0 { cacheMisses.increment(by: misses) }
        }
        groupMetrics.record(groups)
        if let statistics { record(statistics) }
        if let process { record(process) }
        return registry.emitToBuffer()
    }

    /// Prometheus' process metrics, by their usual names.
    private func record(_ process: ProcessFigures) {
        gauge("process_resident_memory", "bytes", "Resident memory size in bytes.").set(Int64(process.residentBytes))
        gauge("process_open", "fds", "Number of open file descriptors.").set(Int64(process.openDescriptors))
        gauge("process_start_time", "seconds", "Start time of the process since unix epoch in seconds.").set(process.startTimeSeconds)
        let grown = cpuSeconds.withLock { seen in
            defer { seen = max(seen, process.cpuSeconds) }
            return max(0, process.cpuSeconds - seen)
        }
        registry.makeCounter(descriptor: MetricNameDescriptor(metricName: "process_cpu_seconds", unitName: "total", helpText: "Total user and system CPU time spent in seconds."))
            .increment(by: grown)
    }

    /// The store's size on disk, what of it is in use, and what is free inside it.
    private func record(_ statistics: StoreStatistics) {
        gauge("strata_store_file", "bytes", "Bytes the store takes on disk.").set(Int64(statistics.fileSize))
        gauge("strata_store_used", "bytes", "Bytes of the store in use.").set(Int64(statistics.usedBytes))
        gauge("strata_store_free", "bytes", "Bytes of the store's files not in use (free pages, reused before the files grow).")
            .set(Int64(max(0, statistics.fileSize - statistics.usedBytes)))
        if statistics.mapSize > 0 {
            gauge("strata_store_map", "bytes", "The most the store may take now (LMDB's map size).").set(Int64(statistics.mapSize))
        }
    }

    private func gauge(_ name: String, _ unit: String, _ help: String) -> Prometheus.Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: unit, helpText: help))
    }
}
