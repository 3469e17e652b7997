import Hummingbird
import Identity
import IdentityAPI
import LedgerAPI
import Logging
import StrataHTTP
import StrataServer
import StrataTestSupport
import Testing

/// `docs/ledger-openapi.yaml` describes exactly what `ledger-server` serves.
@Suite struct LedgerOpenAPITests {
    @Test func theDocumentDescribesExactlyTheRoutesTheRouterServes() async throws {
        var served = Set<String>()
        try await LedgerFixture.withApp { _, app in
            let router = try ServerRouter.build(
                app: app,
                identity: IdentityRoutes(users: try await IdentityService.start(app: app), credentials: Credentials(bcryptCost: 4)),
                tokens: try await TokenService(secret: String(repeating: "k", count: 32)),
                domains: [LedgerRoutes()],
                logger: Logger(label: "test")
            )
            served = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        }
        let documented = try documentedRoutes("docs/ledger-openapi.yaml")
        #expect(served.subtracting(documented).sorted() == [], "served but not documented")
        #expect(documented.subtracting(served).sorted() == [], "documented but not served")
    }
}
