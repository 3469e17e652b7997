import Hummingbird
import IdentityAPI
import Logging
import StrataConsole
import StrataHTTP
import StrataKit
import StrataSubscriptions
import SubscriptionsAPI

/// A server's router: Strata's middleware in order (request id, access log, metrics, store
/// condition, problem+json, limits, 405, authentication against the identity module,
/// read-your-writes waits), then the identity routes, each domain's routes, and the kit's admin,
/// console and operations routes. Command routes take idempotency keys (``CommandRoutes``).
public enum ServerRouter {
    /// Builds it over a started `app` whose modules include every domain's.
    ///
    /// - Throws: ``AppError`` when the app lacks a module a domain's routes need.
    public static func build(
        app: StrataApp,
        identity: IdentityRoutes,
        tokens: TokenService,
        domains: [any RouteModule],
        options: ServerOptions = ServerOptions(),
        logger: Logger
    ) throws -> Router<StrataRequestContext> {
        let router = Router(context: StrataRequestContext.self)
        let routes = RouteTable()
        let log = app.store
        let consistency = ConsistencyWait(runner: app.runner, timeout: options.consistencyWait)
        let cache = options.cache
        cache.follow(app.invalidations)
        router.add(middleware: RequestIDMiddleware())
        if options.tracing { router.add(middleware: RequestTracingMiddleware()) }
        router.add(middleware: AccessLogMiddleware(logger: logger, traceIDs: options.tracing))
        router.add(middleware: MetricsMiddleware(metrics: options.metrics))
        router.add(middleware: StoreConditionMiddleware(condition: options.store))
        router.add(middleware: ProblemMiddleware(logger: logger))
        router.add(middleware: RequestLimitsMiddleware(headerBytes: options.headerBytes, bodyBytes: options.bodyBytes))
        router.add(middleware: MethodNotAllowedMiddleware(routes: routes))
        router.add(middleware: AuthenticationMiddleware(
            tokens: tokens,
            callers: identity.users,
            serviceRoutes: [SubscriptionsController<StrataRequestContext>.path, "/v1/sessions"]
        ))
        router.add(middleware: ConsistencyMiddleware(wait: consistency))
        let commands = CommandRoutes(store: IdempotencyStore(store: log), log: log)
        identity.addRoutes(to: router, commands: commands, cache: cache, tokens: tokens)
        let context = RouteContext(
            app: app,
            commands: commands,
            cache: cache,
            consistency: consistency,
            adminRole: identity.users.adminRole,
            logger: logger
        )
        for domain in domains { try domain.addRoutes(to: router, context: context) }
        let groups = ConsumerGroups(store: log, counters: options.deliveries, signals: options.groupSignals)
        SubscriptionsController(groups: groups, adminRole: identity.users.adminRole, serviceRole: identity.users.serviceRole)
            .addRoutes(to: router)
        AdminController(
            log: log,
            runner: app.runner,
            adminRole: identity.users.adminRole,
            background: options.background,
            heartbeat: options.heartbeat,
            feeds: options.feeds,
            dashboard: DashboardSources(cache: cache, rate: options.rate, store: options.store),
            logger: logger
        ).addRoutes(to: router.group("/v1/admin"))
        ConsoleController().addRoutes(to: router)
        let metrics = options.metrics
        metrics.observe(log)
        options.rate.observe(log)
        let store = options.store
        let runner = app.runner
        OperationsController(readiness: options.readiness, store: store, reachable: { log.isReachable }) {
            let (projections, statistics) = try await log.offload { (try runner.status(), try? log.storeStatistics()) }
            let counts = groups.counters.snapshot
            let figures = try await groups.list().map { group in
                GroupFigures(
                    group: group.group, lag: group.lag, inFlight: group.inFlight, parked: group.parked,
                    delivered: counts[group.group]?.delivered ?? 0, acknowledged: counts[group.group]?.acknowledged ?? 0,
                    pushFailures: counts[group.group]?.pushFailures ?? [:]
                )
            }
            return metrics.render(projections: projections, cache: cache, store: store, groups: figures, statistics: statistics)
        }.addRoutes(to: router)
        routes.fill(from: router)
        return router
    }
}
