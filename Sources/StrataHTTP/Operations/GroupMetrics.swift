import CoreMetrics
import Prometheus
import Synchronization

/// A consumer group's figures as `/metrics` shows them: read from the store (lag, in flight,
/// parked) and counted by this process (deliveries, acknowledgements, failed pushes).
public struct GroupFigures: Sendable {
    public var group: String
    public var lag: UInt64
    public var inFlight: Int
    public var parked: Int
    public var delivered: Int
    public var acknowledged: Int
    /// A push group's failed POSTs by reason (`status_4xx`, `timeout`, …).
    public var pushFailures: [String: Int]

    public init(group: String, lag: UInt64, inFlight: Int, parked: Int, delivered: Int, acknowledged: Int, pushFailures: [String: Int] = [:]) {
        self.group = group
        self.lag = lag
        self.inFlight = inFlight
        self.parked = parked
        self.delivered = delivered
        self.acknowledged = acknowledged
        self.pushFailures = pushFailures
    }
}

/// The consumer groups' series: gauges read from the store at each scrape, and counters that grow
/// by what this process counted since the last one. A deleted group's series leave the page.
final class GroupMetrics: Sendable {
    private static let gauges = ["strata_subscription_lag_events", "strata_subscription_in_flight", "strata_subscription_parked"]
    private static let counters = ["strata_subscription_deliveries_total", "strata_subscription_acks_total"]
    private static let pushFailures = "strata_subscription_push_failures_total"

    private let factory: PrometheusMetricsFactory
    /// Each group's figures as last rendered, so the counters grow by what happened since (kept
    /// for a deleted group: one made again under its name counts from there).
    private let rendered = Mutex<[String: GroupFigures]>([:])
    /// The groups whose series the page shows, with the push-failure reasons shown for each.
    private let shown = Mutex<[String: Set<String>]>([:])

    init(factory: PrometheusMetricsFactory) {
        self.factory = factory
    }

    /// Records every group's figures, and removes the series of the groups no longer listed.
    func record(_ groups: [GroupFigures]) {
        let current = Dictionary(groups.map { ($0.group, Set($0.pushFailures.keys)) }) { first, _ in first }
        let gone = shown.withLock { shown in
            defer { shown = current }
            return shown.filter { current[$0.key] == nil }
        }
        for (name, reasons) in gone { forget(name, reasons: reasons) }
        for figures in groups { record(figures) }
    }

    private func forget(_ name: String, reasons: Set<String>) {
        let group = [("group", name)]
        for label in Self.gauges { CoreMetrics.Gauge(label: label, dimensions: group, factory: factory).destroy() }
        for label in Self.counters { CoreMetrics.Counter(label: label, dimensions: group, factory: factory).destroy() }
        for reason in reasons {
            CoreMetrics.Counter(label: Self.pushFailures, dimensions: group + [("reason", reason)], factory: factory).destroy()
        }
    }

    private func record(_ figures: GroupFigures) {
        let group = [("group", figures.group)]
        CoreMetrics.Gauge(label: "strata_subscription_lag_events", dimensions: group, factory: factory).record(Int64(clamping: figures.lag))
        CoreMetrics.Gauge(label: "strata_subscription_in_flight", dimensions: group, factory: factory).record(figures.inFlight)
        CoreMetrics.Gauge(label: "strata_subscription_parked", dimensions: group, factory: factory).record(figures.parked)
        let before = rendered.withLock { rendered in
            defer { rendered[figures.group] = figures }
            return rendered[figures.group]
        }
        func grown(_ now: Int, _ then: Int?) -> Int { max(0, now - (then ?? 0)) }
        CoreMetrics.Counter(label: "strata_subscription_deliveries_total", dimensions: group, factory: factory)
            .increment(by: grown(figures.delivered, before?.delivered))
        CoreMetrics.Counter(label: "strata_subscription_acks_total", dimensions: group, factory: factory)
            .increment(by: grown(figures.acknowledged, before?.acknowledged))
        for (reason, count) in figures.pushFailures.sorted(by: { $0.key < $1.key }) {
            CoreMetrics.Counter(label: Self.pushFailures, dimensions: group + [("reason", reason)], factory: factory)
                .increment(by: grown(count, before?.pushFailures[reason]))
        }
    }
}
