import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import IdentityAPI
import Logging
import StrataHTTP
import StrataKit
import StrataServer
import StrataStore
import StrataTestSupport

/// A server with no domain but identity on a real store, the real router with its subscription
/// routes, and real tokens of an admin, a service and a customer.
struct SubscriptionsFixture: Sendable {
    let log: any EventStore
    let admin: String
    let service: String
    let customer: String

    /// Runs `body` against a fresh server on the current test store.
    static func run(_ body: @escaping @Sendable (SubscriptionsFixture, any TestClientProtocol) async throws -> Void) async throws {
        let place = TestStorePlace(label: "subscriptions")
        defer { place.remove() }
        let log = try place.open()
        let keys = try place.openKeys(for: log)
        defer {
            log.close()
            keys.close()
        }
        let app = try await StrataApp.start(store: log, keys: keys, modules: [IdentityModule()])
        do {
            let users = try await IdentityService.start(app: app)
            let tokens = try await TokenService(secret: String(repeating: "k", count: 32))
            var issued: [String] = []
            for (id, role) in [("admin-1", Role.admin), ("mailer", Role.service), ("ann", Role.customer)] {
                _ = try await users.registerUser(
                    id: id, name: id, email: "\(id)@example.com", role: role, passwordHash: "$2b$04$unused", metadata: EventMetadata(correlationId: "fixture")
                )
                issued.append(try await tokens.issue(for: StrataHTTP.Identity(userId: id, role: role.rawValue, sessionId: nil)).token)
            }
            let router = try ServerRouter.build(
                app: app,
                identity: IdentityRoutes(users: users, credentials: Credentials(bcryptCost: 4)),
                tokens: tokens,
                domains: [],
                logger: Logger(label: "test")
            )
            let fixture = SubscriptionsFixture(log: log, admin: issued[0], service: issued[1], customer: issued[2])
            try await Application(router: router).test(.router) { client in try await body(fixture, client) }
        } catch {
            await app.stop()
            throw error
        }
        await app.stop()
    }
}

/// The JSON object of a response.
func object(_ response: TestResponse) throws -> [String: Any] {
    try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any] ?? [:]
}

extension TestClientProtocol {
    /// Sends `body` as JSON with `token`; returns the response.
    func send(_ method: HTTPRequest.Method, _ uri: String, _ token: String?, _ body: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    /// Polls `group` as `token`; returns the messages.
    func poll(_ group: String, _ token: String, max: Int = 100, consumer: String = "c1") async throws -> [[String: Any]] {
        let response = try await send(.post, "/v1/subscriptions/\(group)/poll", token, #"{"consumer":"\#(consumer)","max":\#(max)}"#)
        return try object(response)["messages"] as? [[String: Any]] ?? []
    }
}
