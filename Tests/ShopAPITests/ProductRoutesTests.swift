import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
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

/// A shop on a real store, behind the real router, with real tokens.
struct APIFixture: Sendable {
    let place: TestStorePlace
    let log: any EventStore
    let keys: any PersonalDataKeys
    let services: ShopServices
    var shop: ShopService { services.shop }
    var users: IdentityService { services.users }
    /// The router's cache of GET answers.
    let cache: ResponseCache
    let tokens: TokenService
    let admin: String
    let customer: String

    /// The LMDB data directory (made for PostgreSQL too).
    var directory: String { place.path }

    /// Runs `body` against a fresh shop on `kind`'s store (a configuration is LMDB's alone).
    static func run(
        options: ServerOptions = ServerOptions(),
        store kind: TestStoreKind = .current,
        configuration: EventLogConfiguration = EventLogConfiguration(),
        _ body: @escaping @Sendable (APIFixture, any TestClientProtocol) async throws -> Void
    ) async throws {
        let place = TestStorePlace(kind, label: "api")
        defer { place.remove() }
        let log = try place.open(configuration: configuration)
        let keys = try place.openKeys(for: log)
        let services = try await ShopServices.start(log: log, keys: keys)
        let tokens = try await TokenService(secret: String(repeating: "k", count: 32))
        for (id, role) in [("admin-1", Role.admin), ("user-1", Role.customer)] {
            _ = try await services.users.registerUser(
                id: id,
                name: id,
                email: "\(id)@example.com",
                role: role,
                passwordHash: "$2b$04$unused",
                metadata: EventMetadata(correlationId: "fixture")
            )
        }
        let fixture = APIFixture(
            place: place,
            log: log,
            keys: keys,
            services: services,
            cache: options.cache,
            tokens: tokens,
            admin: try await tokens.issue(for: Identity(userId: "admin-1", role: "admin", sessionId: nil)).token,
            customer: try await tokens.issue(for: Identity(userId: "user-1", role: "customer", sessionId: nil)).token
        )
        let router: Router<StrataRequestContext>
        do {
            router = try ServerRouter.build(
                app: services.app,
                identity: IdentityRoutes(users: services.users, credentials: Credentials(bcryptCost: 4)),
                tokens: tokens,
                domains: [ShopRoutes()],
                options: options,
                logger: Logger(label: "test")
            )
            try await Application(router: router).test(.router) { client in try await body(fixture, client) }
        } catch {
            await services.stop()
            log.close()
            keys.close()
            throw error
        }
        await services.stop()
        log.close()
        keys.close()
    }
}

func jsonHeaders(_ token: String? = nil, _ extra: HTTPFields = [:]) -> HTTPFields {
    var headers: HTTPFields = [.contentType: "application/json"]
    if let token { headers[.authorization] = "Bearer \(token)" }
    headers.append(contentsOf: extra)
    return headers
}

func decode<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
    try KitCoding.decoder().decode(T.self, from: Data(buffer: response.body))
}

struct ProductBody: Decodable {
    var id: String
    var sku: String
    var name: String
    var priceCents: Int
    var stock: Int
    var status: String
    var version: Int
}

@Suite struct ProductRoutesTests {
    @Test func adminsManageTheCatalogAndEveryoneReadsIt() async throws {
        try await APIFixture.run { fixture, client in
            let created = try await client.execute(
                uri: "/v1/products",
                method: .post,
                headers: jsonHeaders(fixture.admin),
                body: ByteBuffer(string: #"{"sku":"MUG-1","name":" Mug ","priceCents":1200,"stock":5}"#)
            )
            #expect(created.status == .created)
            let product = try decode(ProductBody.self, created)
            #expect(product.name == "Mug" && product.stock == 5 && product.version == 1 && product.status == "active")
            #expect(created.headers[.location] == "/v1/products/\(product.id)")
            #expect(created.headers[.strataPosition] != nil && created.headers[.cacheControl] == "no-store")
            #expect(created.headers[.eTag] == "\"1\"")

            // Read through the cache: ETag, 304, public revalidation.
            let read = try await client.execute(uri: "/v1/products/\(product.id)", method: .get)
            #expect(read.status == .ok && read.headers[.eTag] == "\"1\"" && read.headers[.cacheControl] == "no-cache")
            // The answer and the GET send the read model's row as it is: the record's own JSON.
            let record = try #require(try fixture.shop.product(id: product.id)).record
            #expect(Array(buffer: read.body) == (try KitCoding.encode(record)))
            #expect(Array(buffer: created.body) == Array(buffer: read.body))
            let again = try await client.execute(uri: "/v1/products/\(product.id)", method: .get, headers: [.ifNoneMatch: "\"1\""])
            #expect(again.status == .notModified)
            #expect(fixture.cache.statistics.hits >= 1)

            // If-Match: a stale version is 412; the current one changes it and drops the cached view.
            let stale = try await client.execute(
                uri: "/v1/products/\(product.id)",
                method: .patch,
                headers: jsonHeaders(fixture.admin, [.ifMatch: "\"7\""]),
                body: ByteBuffer(string: #"{"priceCents":990}"#)
            )
            #expect(stale.status == .preconditionFailed)
            // A body that is not valid is refused first (found by the fuzzer: it was a 412).
            let invalidAndStale = try await client.execute(
                uri: "/v1/products/\(product.id)/restock",
                method: .post,
                headers: jsonHeaders(fixture.admin, [.ifMatch: "\"q7z\""]),
                body: ByteBuffer(string: #"{"quantity":5,"colour":"red"}"#)
            )
            #expect(invalidAndStale.status == .unprocessableContent)
            #expect(try decode(Problem.self, stale).code == "precondition_failed")
            let patched = try await client.execute(
                uri: "/v1/products/\(product.id)",
                method: .patch,
                headers: jsonHeaders(fixture.admin, [.ifMatch: "\"1\""]),
                body: ByteBuffer(string: #"{"priceCents":990}"#)
            )
            #expect(patched.status == .ok)
            #expect(try decode(ProductBody.self, patched).priceCents == 990)
            let fresh = try await client.execute(uri: "/v1/products/\(product.id)", method: .get, headers: [.ifNoneMatch: "\"1\""])
            #expect(fresh.status == .ok && fresh.headers[.eTag] == "\"2\"")

            let restocked = try await client.execute(
                uri: "/v1/products/\(product.id)/restock",
                method: .post,
                headers: jsonHeaders(fixture.admin),
                body: ByteBuffer(string: #"{"quantity":10}"#)
            )
            #expect(try decode(ProductBody.self, restocked).stock == 15)

            let deleted = try await client.execute(
                uri: "/v1/products/\(product.id)",
                method: .delete,
                headers: [.authorization: "Bearer \(fixture.admin)"]
            )
            #expect(deleted.status == .noContent && deleted.headers[.strataPosition] != nil)
            let discontinued = try await client.execute(uri: "/v1/products/\(product.id)", method: .get)
            #expect(try decode(ProductBody.self, discontinued).status == "discontinued")
        }
    }

    @Test func badInputIsAProblemAndChangesNothing() async throws {
        try await APIFixture.run { fixture, client in
            let head = try fixture.log.headPosition()
            let invalid = try await client.execute(
                uri: "/v1/products",
                method: .post,
                headers: jsonHeaders(fixture.admin),
                body: ByteBuffer(string: #"{"sku":"bad sku!","name":"","priceCents":-1,"stock":2000000,"colour":"red"}"#)
            )
            #expect(invalid.status == .unprocessableContent)
            let problem = try decode(Problem.self, invalid)
            #expect(problem.code == "validation_failed")
            #expect(Set(problem.errors?.map(\.field) ?? []) == ["colour", "sku", "name", "priceCents", "stock"])
            #expect(invalid.headers[.strataRequestID] != nil)
            #expect(try fixture.log.headPosition() == head)

            let customer = try await client.execute(
                uri: "/v1/products",
                method: .post,
                headers: jsonHeaders(fixture.customer),
                body: ByteBuffer(string: #"{"sku":"A","name":"A","priceCents":1,"stock":1}"#)
            )
            #expect(customer.status == .forbidden)
            let anonymous = try await client.execute(
                uri: "/v1/products",
                method: .post,
                headers: jsonHeaders(),
                body: ByteBuffer(string: #"{"sku":"A","name":"A","priceCents":1,"stock":1}"#)
            )
            #expect(anonymous.status == .unauthorized && anonymous.headers[.wwwAuthenticate] == "Bearer")

            _ = try await client.execute(
                uri: "/v1/products",
                method: .post,
                headers: jsonHeaders(fixture.admin),
                body: ByteBuffer(string: #"{"sku":"A","name":"A","priceCents":1,"stock":1}"#)
            )
            let taken = try await client.execute(
                uri: "/v1/products",
                method: .post,
                headers: jsonHeaders(fixture.admin),
                body: ByteBuffer(string: #"{"sku":"A","name":"B","priceCents":1,"stock":1}"#)
            )
            #expect(taken.status == .conflict)
            #expect(try decode(Problem.self, taken).code == "sku_taken")

            let missing = try await client.execute(uri: "/v1/products/nope", method: .get)
            #expect(missing.status == .notFound)
            #expect(try decode(Problem.self, missing).code == "not_found")
            let patchMissing = try await client.execute(
                uri: "/v1/products/nope",
                method: .patch,
                headers: jsonHeaders(fixture.admin),
                body: ByteBuffer(string: #"{"name":"X"}"#)
            )
            #expect(patchMissing.status == .notFound)
        }
    }

    @Test func theListingPagesInSkuOrderAndRefusesBadParameters() async throws {
        try await APIFixture.run { fixture, client in
            for index in [3, 1, 2, 5, 4] {
                _ = try await client.execute(
                    uri: "/v1/products",
                    method: .post,
                    headers: jsonHeaders(fixture.admin),
                    body: ByteBuffer(string: #"{"sku":"S\#(index)","name":"Item \#(index)","priceCents":100,"stock":1}"#)
                )
            }
            struct Page: Decodable {
                var items: [ProductBody]
                var next: String?
            }
            let first = try await client.execute(uri: "/v1/products?limit=2", method: .get)
            let page = try decode(Page.self, first)
            #expect(page.items.map(\.sku) == ["S1", "S2"] && page.next == "S2")
            #expect(first.headers[.eTag] != nil && first.headers[.strataPosition] != nil)
            let second = try decode(Page.self, try await client.execute(uri: "/v1/products?limit=2&after=S2", method: .get))
            #expect(second.items.map(\.sku) == ["S3", "S4"])
            let searched = try await client.execute(uri: "/v1/products?q=item%205", method: .get)
            let search = try decode(Page.self, searched)
            #expect(search.items.map(\.sku) == ["S5"] && search.next == nil)
            // The last page says so with an explicit null.
            #expect(String(buffer: searched.body).contains(#""next":null"#))
            for bad in ["limit=0", "limit=101", "limit=ten"] {
                let response = try await client.execute(uri: "/v1/products?\(bad)", method: .get)
                #expect(response.status == .badRequest)
                #expect(try decode(Problem.self, response).code == "invalid_parameter")
            }
        }
    }
}
