import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import IdentityAPI
import Ledger
import LedgerAPI
import Logging
import StrataHTTP
import StrataKit
import StrataServer
import StrataStore
import StrataTestSupport

/// The ledger's server parts on a real store: one app of the identity and ledger modules, the
/// real router, real tokens, and three users (an admin, Ann and Bob).
struct LedgerFixture: Sendable {
    let log: any EventStore
    let app: StrataApp
    let ledger: LedgerService
    let admin: String
    let ann: String
    let bob: String

    static let modules: [any StrataModule] = [IdentityModule(), LedgerModule()]

    /// Runs `body` against a fresh ledger on the current test store.
    static func run(_ body: @escaping @Sendable (LedgerFixture, any TestClientProtocol) async throws -> Void) async throws {
        try await withApp { log, app in
            let users = try await IdentityService.start(app: app)
            let tokens = try await TokenService(secret: String(repeating: "k", count: 32))
            for (id, role) in [("admin-1", Role.admin), ("ann", Role.customer), ("bob", Role.customer)] {
                _ = try await users.registerUser(
                    id: id, name: id, email: "\(id)@example.com", role: role, passwordHash: "$2b$04$unused", metadata: EventMetadata(correlationId: "fixture")
                )
            }
            func token(_ id: String, _ role: Role) async throws -> String {
                try await tokens.issue(for: StrataHTTP.Identity(userId: id, role: role.rawValue, sessionId: nil)).token
            }
            let fixture = LedgerFixture(
                log: log, app: app, ledger: try LedgerService(app: app),
                admin: try await token("admin-1", .admin), ann: try await token("ann", .customer), bob: try await token("bob", .customer)
            )
            let router = try ServerRouter.build(
                app: app,
                identity: IdentityRoutes(users: users, credentials: Credentials(bcryptCost: 4)),
                tokens: tokens,
                domains: [LedgerRoutes()],
                logger: Logger(label: "test")
            )
            try await Application(router: router).test(.router) { client in try await body(fixture, client) }
        }
    }

    /// Runs `body` with a started app of ``modules`` on a fresh store, stopped and closed after.
    static func withApp(_ body: (any EventStore, StrataApp) async throws -> Void) async throws {
        let place = TestStorePlace(label: "ledger")
        defer { place.remove() }
        let log = try place.open()
        let keys = try place.openKeys(for: log)
        defer {
            log.close()
            keys.close()
        }
        let app = try await StrataApp.start(store: log, keys: keys, modules: modules)
        do {
            try await body(log, app)
        } catch {
            await app.stop()
            throw error
        }
        await app.stop()
    }
}

func jsonHeaders(_ token: String? = nil, _ extra: HTTPFields = [:]) -> HTTPFields {
    var headers: HTTPFields = [.contentType: "application/json"]
    if let token { headers[.authorization] = "Bearer \(token)" }
    headers.append(contentsOf: extra)
    return headers
}

/// The JSON object of a response.
func object(_ response: TestResponse) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any] ?? [:]
}

extension TestClientProtocol {
    /// Sends `body` as JSON with `token`; returns the response.
    func send(_ method: HTTPRequest.Method, _ uri: String, _ token: String?, _ body: String? = nil, _ extra: HTTPFields = [:]) async throws -> TestResponse {
        try await execute(uri: uri, method: method, headers: jsonHeaders(token, extra), body: body.map { ByteBuffer(string: $0) })
    }

    /// Opens an account for `token`'s user and deposits `cents` (as the owner); returns its id.
    func account(_ token: String, _ name: String, cents: Int) async throws -> String {
        let id = try object(try await send(.post, "/v1/ledger/accounts", token, #"{"name":"\#(name)"}"#))["id"] as? String ?? ""
        if cents > 0 { _ = try await send(.post, "/v1/ledger/accounts/\(id)/deposits", token, #"{"amountCents":\#(cents)}"#) }
        return id
    }
}
