import Hummingbird
import Logging
import Shop
import StrataConsole
import StrataHTTP
import StrataKit

/// The shop's router: Strata's middleware in order (request id, access log, metrics,
/// problem+json, 405, authentication, read-your-writes waits), then the controllers, whose
/// command routes take idempotency keys (``CommandRoutes``).
public enum ShopRouter {
    /// What the router needs besides the shop, with defaults fit for tests.
    public struct Options: Sendable {
        /// How long `Strata-Min-Position` waits (`STRATA_CONSISTENCY_WAIT`).
        public var consistencyWait: Duration = .seconds(2)
        /// How often an idle SSE stream gets a heartbeat comment.
        public var heartbeat: Duration = .seconds(15)
        public var metrics = StrataMetrics()
        public var readiness = Readiness()
        public var background = BackgroundWork()
        /// The cache of GET answers (products, users, orders), emptied as the shop's projections
        /// report changes.
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

        public init() {}
    }

    public static func build(
        shop: ShopService,
        tokens: TokenService,
        credentials: Credentials = Credentials(),
        limiter: SignInRateLimiter? = nil,
        options: Options = Options(),
        logger: Logger
    ) -> Router<StrataRequestContext> {
        let router = Router(context: StrataRequestContext.self)
        let routes = RouteTable()
        let consistency = ConsistencyWait(runner: shop.runner, timeout: options.consistencyWait)
        let cache = options.cache
        cache.follow(shop.invalidations)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: AccessLogMiddleware(logger: logger))
        router.add(middleware: MetricsMiddleware(metrics: options.metrics))
        router.add(middleware: StoreConditionMiddleware(condition: options.store))
        router.add(middleware: ProblemMiddleware(logger: logger))
        router.add(middleware: RequestLimitsMiddleware(headerBytes: options.headerBytes, bodyBytes: options.bodyBytes))
        router.add(middleware: MethodNotAllowedMiddleware(routes: routes))
        // A token outlives nothing: deactivated or erased users, and ended sessions, are refused at once.
        router.add(middleware: AuthenticationMiddleware(tokens: tokens) { identity in
            try await shop.reading { try $0.mayAct(userId: identity.userId, sessionId: identity.sessionId) }
        })
        router.add(middleware: ConsistencyMiddleware(wait: consistency))
        // Routes that run a command take `Idempotency-Key` and pass it on as their command options.
        let commands = CommandRoutes(store: IdempotencyStore(store: shop.log), log: shop.log)
        ProductsController(shop: shop, commands: commands, cache: cache).addRoutes(to: router.group("/v1/products"))
        UsersController(shop: shop, commands: commands, cache: cache, credentials: credentials).addRoutes(to: router.group("/v1/users"))
        OrdersController(shop: shop, commands: commands, cache: cache).addRoutes(to: router.group("/v1/orders"))
        SessionsController(shop: shop, commands: commands, tokens: tokens, credentials: credentials, limiter: limiter ?? SignInRateLimiter(store: shop.log)).addRoutes(to: router.group("/v1/sessions"))
        StatsController(shop: shop, consistency: consistency).addRoutes(to: router.group("/v1/stats"))
        AdminController(
            log: shop.log,
            runner: shop.runner,
            adminRole: Role.admin.rawValue,
            background: options.background,
            heartbeat: options.heartbeat,
            feeds: options.feeds,
            dashboard: DashboardSources(cache: cache, rate: options.rate, store: options.store),
            logger: logger
        ).addRoutes(to: router.group("/v1/admin"))
        ConsoleController().addRoutes(to: router)
        let metrics = options.metrics
        metrics.observe(shop.log)
        options.rate.observe(shop.log)
        let store = options.store
        let log = shop.log
        OperationsController(readiness: options.readiness, store: store, reachable: { log.isReachable }) {
            let projections = try await log.offload { try shop.runner.status() }
            return metrics.render(projections: projections, cache: cache, store: store)
        }.addRoutes(to: router)
        routes.fill(from: router)
        return router
    }
}
