import Hummingbird
import StrataKit
import StrataStore

/// The console's dashboard in one answer: the log's head and write rate, the store's size, the
/// view cache's hit rate and every projection's state.
extension AdminController {
    struct Summary: Encodable {
        var headPosition: UInt64
        var events: Int
        var streams: Int
        /// Events appended through this server per second, averaged over `rateWindowSeconds`.
        var eventsPerSecond: Double
        var rateWindowSeconds: Int
        var store: StoreSize
        var cache: CacheSummary
        var projections: [ProjectionStatus]
    }

    struct StoreSize: Encodable {
        var usedBytes: Int
        var fileSize: Int
        var mapSize: Int
        /// Whether the last write was refused for want of room (507).
        var full: Bool
    }

    struct CacheSummary: Encodable {
        var hits: Int
        var misses: Int
        /// Hits over lookups since the server started; 0 before the first lookup.
        var hitRate: Double
        var entries: Int
        var bytes: Int
    }

    /// `GET /v1/admin/summary`.
    @Sendable func summary(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(adminRole)
        let statistics = try await log.offload { try log.storeStatistics() }
        let cached = dashboard.cache?.statistics ?? (hits: 0, misses: 0, entries: 0, bytes: 0)
        let lookups = cached.hits + cached.misses
        let summary = Summary(
            headPosition: statistics.headPosition,
            events: statistics.events,
            streams: statistics.streams,
            eventsPerSecond: ((dashboard.rate?.eventsPerSecond ?? 0) * 10).rounded() / 10,
            rateWindowSeconds: dashboard.rate?.window ?? 0,
            store: StoreSize(
                usedBytes: statistics.usedBytes,
                fileSize: statistics.fileSize,
                mapSize: statistics.mapSize,
                full: dashboard.store?.isFull ?? false
            ),
            cache: CacheSummary(
                hits: cached.hits,
                misses: cached.misses,
                hitRate: lookups == 0 ? 0 : (Double(cached.hits) / Double(lookups) * 1000).rounded() / 1000,
                entries: cached.entries,
                bytes: cached.bytes
            ),
            projections: try await log.offload { try runner.status() }
        )
        return try JSONResponse.make(summary)
    }
}

/// What the dashboard reads besides the log and the projections; each part may be left out.
public struct DashboardSources: Sendable {
    public var cache: ResponseCache?
    public var rate: AppendRate?
    public var store: StoreCondition?

    public init(cache: ResponseCache? = nil, rate: AppendRate? = nil, store: StoreCondition? = nil) {
        self.cache = cache
        self.rate = rate
        self.store = store
    }
}
