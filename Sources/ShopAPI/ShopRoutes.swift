import Hummingbird
import Shop
import StrataHTTP
import StrataKit
import StrataServer

/// The shop's HTTP side, as a server lists it: `/v1/products`, `/v1/orders` and `/v1/stats` over
/// the ``ShopModule``.
public struct ShopRoutes: RouteModule {
    public init() {}

    public var modules: [any StrataModule] { [ShopModule()] }

    public func addRoutes(to router: Router<StrataRequestContext>, context: RouteContext) throws {
        let shop = try ShopService(app: context.app)
        ProductsController(shop: shop, commands: context.commands, cache: context.cache, adminRole: context.adminRole).addRoutes(to: router.group("/v1/products"))
        OrdersController(shop: shop, commands: context.commands, cache: context.cache, adminRole: context.adminRole).addRoutes(to: router.group("/v1/orders"))
        StatsController(shop: shop, consistency: context.consistency, adminRole: context.adminRole).addRoutes(to: router.group("/v1/stats"))
    }
}
