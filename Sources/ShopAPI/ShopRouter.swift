import Hummingbird
import Logging
import Shop
import StrataHTTP

/// The shop's router: Strata's middleware in order, then the controllers. The routes built so far
/// are the catalog's, users', sessions' and orders' (without `Idempotency-Key` yet); statistics,
/// admin, health and metrics, and `buildApplication(configuration:)`, come with the rest of the
/// HTTP API.
public enum ShopRouter {
    public static func build(
        shop: ShopService,
        tokens: TokenService,
        credentials: Credentials = Credentials(),
        limiter: SignInRateLimiter = SignInRateLimiter(),
        logger: Logger
    ) -> Router<StrataRequestContext> {
        let router = Router(context: StrataRequestContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: AccessLogMiddleware(logger: logger))
        router.add(middleware: ProblemMiddleware(logger: logger))
        // A token outlives nothing: deactivated or erased users are refused at once.
        router.add(middleware: AuthenticationMiddleware(tokens: tokens) { identity in try shop.user(id: identity.userId)?.record.status == .active })
        ProductsController(shop: shop).addRoutes(to: router.group("/v1/products"))
        UsersController(shop: shop, credentials: credentials).addRoutes(to: router.group("/v1/users"))
        OrdersController(shop: shop).addRoutes(to: router.group("/v1/orders"))
        SessionsController(shop: shop, tokens: tokens, credentials: credentials, limiter: limiter).addRoutes(to: router.group("/v1/sessions"))
        return router
    }
}
