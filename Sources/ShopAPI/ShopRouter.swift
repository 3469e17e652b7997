import Hummingbird
import Logging
import Shop
import StrataHTTP

/// The shop's router: Strata's middleware in order, then the controllers. The routes built so far
/// are the catalog's; the others, and `buildApplication(configuration:)`, come with the rest of the
/// HTTP API.
public enum ShopRouter {
    public static func build(shop: ShopService, tokens: TokenService, logger: Logger) -> Router<StrataRequestContext> {
        let router = Router(context: StrataRequestContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: AccessLogMiddleware(logger: logger))
        router.add(middleware: ProblemMiddleware(logger: logger))
        router.add(middleware: AuthenticationMiddleware(tokens: tokens))
        ProductsController(shop: shop).addRoutes(to: router.group("/v1/products"))
        return router
    }
}
