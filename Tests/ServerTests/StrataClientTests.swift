import Crypto
import Foundation
import StrataClient
import StrataTestSupport
import Testing

/// The typed client (generated from docs/openapi.yaml) against a live strata-server: a customer
/// signs up, signs in and refreshes; an admin makes a product; the customer orders, pays and
/// reads the order, and gets a typed 409 `insufficient_stock`; a consumer group is made, polled
/// and acknowledged through it. And the committed code is the document's: a change to
/// docs/openapi.yaml without `make client` fails here.
@Suite(.serialized) struct StrataClientTests {
    @Test func theGeneratedCodeIsTheDocuments() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let document = try Data(contentsOf: root.appendingPathComponent("docs/openapi.yaml"))
        let hash = SHA256.hash(data: document).map { String(format: "%02x", $0) }.joined()
        #expect(hash == GeneratedFrom.documentSHA256, "docs/openapi.yaml changed since Sources/StrataClient was generated: run make client")
    }

    /// Runs `body` with the URL of a live server, stopped and removed after.
    private func withServer(_ label: String, _ body: (URL) async throws -> Void) async throws {
        let directory = TemporaryDirectory(label)
        defer { directory.remove() }
        let server = try LiveServer(directory: directory.path)
        defer { _ = try? server.stop() }
        try server.waitUntilReady()
        try await body(try #require(URL(string: "http://127.0.0.1:\(server.port)")))
    }

    @Test func aCustomerOrdersAndPaysThroughTheTypedClient() async throws {
        try await withServer("client") { url in
            let anonymous = Client(strata: url)

            let registered = try await anonymous.registerUser(body: .json(.init(name: "Ada", email: "ada@example.com", password: "a long password")))
            let user = try registered.created.body.json
            #expect(user.email == "ada@example.com" && user.role == .customer)
            let session = try await anonymous.signIn(body: .json(.init(email: "ada@example.com", password: "a long password"))).ok.body.json
            let refreshed = try await anonymous.refreshSession(body: .json(.init(refreshToken: session.refreshToken))).ok.body.json
            #expect(refreshed.refreshToken != session.refreshToken)
            let customer = Client(strata: url, token: refreshed.accessToken)
            #expect(try await customer.readMe().ok.body.json.id == user.id)

            let adminSession = try await anonymous.signIn(body: .json(.init(email: "admin@example.com", password: "admin password"))).ok.body.json
            let admin = Client(strata: url, token: adminSession.accessToken)
            let product = try await admin.createProduct(body: .json(.init(sku: "MUG-1", name: "Mug", priceCents: 1250, stock: 3))).created.body.json
            #expect(product.stock == 3)

            let order = try await customer.placeOrder(body: .json(.init(items: [.init(productId: product.id, quantity: 2)]))).created.body.json
            #expect(order.totalCents == 2500 && order.status == .placed)
            let paid = try await customer.payOrder(path: .init(id: order.id)).ok.body.json
            #expect(paid.status == .paid)
            let read = try await customer.readOrder(path: .init(id: order.id)).ok.body.json
            #expect(read.id == order.id && read.status == .paid && read.items.first?.quantity == 2)

            let refused = try await customer.placeOrder(body: .json(.init(items: [.init(productId: product.id, quantity: 5)])))
            guard case .conflict(let conflict) = refused else {
                Issue.record("expected 409, got \(refused)")
                return
            }
            let problem = try conflict.body.applicationProblemJson
            #expect(problem.code == .insufficientStock && problem.status == 409)
        }
    }

    @Test func aConsumerGroupIsMadePolledAndAcknowledgedThroughTheTypedClient() async throws {
        try await withServer("client-groups") { url in
            let session = try await Client(strata: url).signIn(body: .json(.init(email: "admin@example.com", password: "admin password"))).ok.body.json
            let admin = Client(strata: url, token: session.accessToken)

            let made = try await admin.putGroup(
                path: .init(group: "catalog"),
                body: .json(.init(eventTypes: ["ProductCreated"], startFrom: .case1(.start), ackTimeoutSeconds: 60))
            ).created.body.json
            #expect(made.group == "catalog" && made.push == nil && made.startFrom == .case1(.start) && made.ackTimeoutSeconds == 60)
            let product = try await admin.createProduct(body: .json(.init(sku: "CUP-1", name: "Cup", priceCents: 900, stock: 1))).created.body.json

            let messages = try await admin.pollGroup(path: .init(group: "catalog"), body: .json(.init(consumer: "swift", max: 10, waitSeconds: 5))).ok.body.json.messages
            #expect(messages.map(\.event._type) == ["ProductCreated"] && messages.first?.event.streamId.hasSuffix(product.id) == true)
            _ = try await admin.ackMessages(path: .init(group: "catalog"), body: .json(.init(ackIds: messages.map(\.ackId)))).noContent

            let status = try await admin.getGroup(path: .init(group: "catalog")).ok.body.json
            #expect(status.inFlight == 0 && status.lag == 0 && status.consumers.map(\.consumer) == ["swift"])
            #expect(try await admin.listGroups().ok.body.json.items.map(\.group) == ["catalog"])
        }
    }
}
