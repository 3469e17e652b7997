import StrataHTTP
import StrataSubscriptions

/// What a server's router needs besides its modules, with defaults fit for tests.
public struct ServerOptions: Sendable {
    /// How long `Strata-Min-Position` waits (`STRATA_CONSISTENCY_WAIT`).
    public var consistencyWait: Duration = .seconds(2)
    /// How often an idle SSE stream gets a heartbeat comment.
    public var heartbeat: Duration = .seconds(15)
    public var metrics = StrataMetrics()
    public var readiness = Readiness()
    public var background = BackgroundWork()
    /// The cache of GET answers, emptied as the projections report changes.
    public var cache = ResponseCache()
    /// Request headers and bodies at most this large (431, 413).
    public var headerBytes = RequestLimits.defaultHeaderBytes
    public var bodyBytes = JSONBody.defaultLimit
    /// Live feeds open at once, per user and in all (429, 503).
    public var feeds = LiveFeedLimiter()
    /// Whether writes are refused for want of room (reported by health and metrics).
    public var store = StoreCondition()
    /// The write rate the console's dashboard shows.
    public var rate = AppendRate()
    /// Deliveries and acknowledgements of consumer groups, polled and pushed, for `/metrics`.
    public var deliveries = DeliveryCounters()
    /// Wakes long polls of consumer groups after acknowledgements, nacks and replays — the
    /// routes' and the pusher's alike.
    public var groupSignals = GroupSignals()
    /// Whether requests are traced (a span each, its trace id in the access log line).
    public var tracing = false

    public init() {}
}
