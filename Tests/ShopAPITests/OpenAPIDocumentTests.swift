import Foundation
import Hummingbird
import Logging
import Shop
import Identity
import IdentityAPI
import ShopAPI
import ShopTestSupport
import StrataServer
import StrataHTTP
import StrataKit
import StrataLog
import StrataStore
import StrataTestSupport
import Testing

@Suite struct OpenAPIDocumentTests {
    @Test func theDocumentDescribesExactlyTheRoutesTheRouterServes() async throws {
        let place = TestStorePlace(label: "openapi")
        defer { place.remove() }
        let log = try place.open()
        let keys = try place.openKeys(for: log)
        let services = try await ShopServices.start(log: log, keys: keys)
        let router = try ServerRouter.build(
            app: services.app,
            identity: IdentityRoutes(users: services.users, credentials: Credentials(bcryptCost: 4)),
            tokens: try await TokenService(secret: String(repeating: "k", count: 32)),
            domains: [ShopRoutes()],
            logger: Logger(label: "test")
        )
        let served = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        await services.stop()
        log.close()
        keys.close()
        let documented = try documentedRoutes("docs/openapi.yaml")
        #expect(served.subtracting(documented).sorted() == [], "served but not documented")
        #expect(documented.subtracting(served).sorted() == [], "documented but not served")
        #expect(served.count >= 30)
    }
}
