import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
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

/// Whether any file under `directory` holds `text`.
/// The files of the store at rest (and PostgreSQL's write-ahead log) that hold `text`, as is or
/// lower-cased.
private func anyFile(of place: TestStorePlace, contains text: String) throws -> [String] {
    let files: [(path: String, bytes: Data)] = try place.filesAtRest() + place.writeAheadLogFiles()
    let needles = [Data(text.utf8), Data(text.lowercased().utf8)]
    return files.filter { file in needles.contains { file.bytes.range(of: $0) != nil } }.map { $0.path }
}

@Suite struct ErasureRoutesTests {
    @Test func aUserErasesThemselvesAndOnlyTheirPersonalDataGoes() async throws {
        try await APIFixture.run { fixture, client in
            let product = try await client.post("/v1/products", #"{"sku":"MUG","name":"Mug","priceCents":700,"stock":10}"#, token: fixture.admin)
            let mug = try decode(ProductBody.self, product).id
            let signedUp = try await client.execute(
                uri: "/v1/users",
                method: .post,
                headers: jsonHeaders(nil, [.idempotencyKey: "sign-up-zelda"]),
                body: ByteBuffer(string: #"{"name":"Zelda Quux","email":"Zelda.Quux@example.com","password":"correct horse"}"#)
            )
            let zelda = try decode(UserResponseBody.self, signedUp)
            let pair = try decode(TokenPairBody.self, try await client.signIn("zelda.quux@example.com", "correct horse"))
            let placed = try await client.post("/v1/orders", #"{"items":[{"productId":"\#(mug)","quantity":3}]}"#, token: pair.accessToken)
            let order = try decode(OrderBody.self, placed)
            let paid = try await client.post("/v1/orders/\(order.id)/pay", "", token: pair.accessToken)
            let admin = [HTTPField.Name.authorization: "Bearer \(fixture.admin)"]
            let statsBefore = try await client.execute(
                uri: "/v1/stats/sales",
                method: .get,
                headers: [.authorization: "Bearer \(fixture.admin)", .strataMinPosition: paid.headers[.strataPosition] ?? "0"]
            )
            let before = try decode(SalesBody.self, statsBefore)
            // Warm the cache with the user's view.
            _ = try await client.execute(uri: "/v1/users/\(zelda.id)", method: .get, headers: HTTPFields(admin.map { HTTPField(name: $0.key, value: $0.value) }))

            let erased = try await client.execute(uri: "/v1/users/me", method: .delete, headers: [.authorization: "Bearer \(pair.accessToken)"])
            #expect(erased.status == .noContent && erased.headers[.strataPosition] != nil)

            let read = try await client.execute(uri: "/v1/users/\(zelda.id)", method: .get, headers: [.authorization: "Bearer \(fixture.admin)"])
            #expect(read.status == .ok)
            let json = try JSONSerialization.jsonObject(with: Data(buffer: read.body)) as? [String: Any]
            #expect(json?["name"] is NSNull && json?["email"] is NSNull && json?["status"] as? String == "erased" && json?["role"] as? String == "customer")

            // No way back in: the access token, sign-in and the refresh token all fail.
            let me = try await client.execute(uri: "/v1/users/me", method: .get, headers: [.authorization: "Bearer \(pair.accessToken)"])
            #expect(me.status == .unauthorized)
            #expect(try await client.signIn("zelda.quux@example.com", "correct horse").status == .unauthorized)
            let refresh = try await client.post("/v1/sessions/refresh", #"{"refreshToken":"\#(pair.refreshToken)"}"#)
            #expect(refresh.status == .unauthorized)

            // The order stays with its userId; the statistics do not change.
            let kept = try await client.execute(uri: "/v1/orders/\(order.id)", method: .get, headers: [.authorization: "Bearer \(fixture.admin)"])
            #expect(try decode(OrderBody.self, kept).userId == zelda.id)
            let statsAfter = try await client.execute(
                uri: "/v1/stats/sales",
                method: .get,
                headers: [.authorization: "Bearer \(fixture.admin)", .strataMinPosition: erased.headers[.strataPosition] ?? "0"]
            )
            let after = try decode(SalesBody.self, statsAfter)
            #expect(after.ordersPlaced == before.ordersPlaced && after.revenueCents == before.revenueCents && after.ordersPaid == before.ordersPaid)

            // The email registers again, as a new user.
            let again = try await client.post("/v1/users", #"{"name":"Zelda Two","email":"zelda.quux@example.com","password":"correct horse"}"#)
            #expect(again.status == .created)
            let newcomer = try decode(UserResponseBody.self, again)
            #expect(newcomer.id != zelda.id)

            // Replay gives the same state as the live read models, once the async ones caught up
            // (on a shared store their follower polls).
            let head = try fixture.log.headPosition()
            for name in fixture.shop.app.runner.names {
                #expect(await fixture.shop.app.runner.waitUntil(name, reaches: head, timeout: .seconds(10)), "\(name)")
            }
            let comparisons = try await fixture.shop.app.runner.verifyByRebuilding(fixture.shop.app.runner.names)
            let differing = comparisons.filter { !$0.matches }.map(\.projection)
            #expect(differing.isEmpty)
            // The first user's name is nowhere in the data directory (the new user's email is, sealed).
            #expect(try anyFile(of: fixture.place, contains: "Zelda Quux").isEmpty)
            #expect(try anyFile(of: fixture.place, contains: "zelda.quux@example.com").isEmpty)
        }
    }

    @Test func adminsEraseAnyUser() async throws {
        try await APIFixture.run { fixture, client in
            _ = try await client.post("/v1/users", #"{"name":"Yann Vole","email":"yann@example.com","password":"correct horse"}"#)
            let id = try #require(try fixture.users.userId(forEmail: "yann@example.com"))
            let byCustomer = try await client.post("/v1/users/\(id)/erase", "", token: fixture.customer)
            #expect(byCustomer.status == .forbidden)
            let unknown = try await client.post("/v1/users/nobody/erase", "", token: fixture.admin)
            #expect(unknown.status == .notFound)
            let erased = try await client.post("/v1/users/\(id)/erase", "", token: fixture.admin)
            #expect(erased.status == .noContent)
            let read = try await client.execute(uri: "/v1/users/\(id)", method: .get, headers: [.authorization: "Bearer \(fixture.admin)"])
            #expect(try decode(UserResponseBody.self, read).status == "erased")
            #expect(try await client.signIn("yann@example.com", "correct horse").status == .unauthorized)
            // Erasing again changes nothing and still answers 204.
            let twice = try await client.post("/v1/users/\(id)/erase", "", token: fixture.admin)
            #expect(twice.status == .noContent)
            #expect(try anyFile(of: fixture.place, contains: "Yann Vole").isEmpty)
        }
    }
}
