import Foundation
import HTTPTypes
import Hummingbird
import Shop
import StrataHTTP
import StrataKit

/// `/v1/stats/sales`: the sales statistics, an async projection. Its `Strata-Position` may trail
/// the log; `Strata-Min-Position` waits for it (admin only).
public struct StatsController<Context: StrataRequestContextProtocol>: Sendable {
    let shop: ShopService
    let consistency: ConsistencyWait
    /// The role of admins (the server's ``CallerDirectory/adminRole``).
    let adminRole: String

    public init(shop: ShopService, consistency: ConsistencyWait, adminRole: String) {
        self.shop = shop
        self.consistency = consistency
        self.adminRole = adminRole
    }

    public func addRoutes(to group: RouterGroup<Context>) {
        group.get("sales", use: sales)
    }

    @Sendable func sales(_ request: Request, context: Context) async throws -> Response {
        _ = try context.requireRole(adminRole)
        try await consistency.wait(for: request, projections: [SalesProjection().name])
        let (statistics, position) = try await shop.reading { try $0.salesStatistics() }
        let view = CachedView(body: try KitCoding.encode(statistics), etag: ConditionalGET.etag(position), position: position)
        return ConditionalGET.response(view, request: request, cacheControl: "no-store")
    }
}
