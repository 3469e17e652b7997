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
import Testing

@Suite struct IdempotencyRoutesTests {
    private func product(_ fixture: APIFixture, _ client: any TestClientProtocol, stock: Int = 10) async throws -> String {
        let created = try await client.post("/v1/products", #"{"sku":"MUG","name":"Mug","priceCents":500,"stock":\#(stock)}"#, token: fixture.admin)
        return try decode(ProductBody.self, created).id
    }

    @Test func aRetriedOrderIsAnsweredAgainAndAppendsNothing() async throws {
        try await APIFixture.run { fixture, client in
            let mug = try await product(fixture, client)
            let body = #"{"items":[{"productId":"\#(mug)","quantity":2}]}"#
            let headers = jsonHeaders(fixture.customer, [.idempotencyKey: "order-attempt-1"])
            let first = try await client.execute(uri: "/v1/orders", method: .post, headers: headers, body: ByteBuffer(string: body))
            #expect(first.status == .created && first.headers[.idempotentReplayed] == nil)
            let head = try fixture.log.headPosition()

            let again = try await client.execute(uri: "/v1/orders", method: .post, headers: headers, body: ByteBuffer(string: body))
            #expect(again.status == .created)
            #expect(again.headers[.idempotentReplayed] == "true")
            #expect(String(buffer: again.body) == String(buffer: first.body))
            #expect(again.headers[.location] == first.headers[.location] && again.headers[.strataPosition] == first.headers[.strataPosition])
            #expect(again.headers[.strataRequestID] != nil && again.headers[.strataRequestID] != first.headers[.strataRequestID])
            #expect(try fixture.log.headPosition() == head)
            let (stock, _) = try #require(try fixture.shop.product(id: mug))
            #expect(stock.stock == 8)

            // The same key with another body is refused and changes nothing.
            let other = try await client.execute(
                uri: "/v1/orders",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: #"{"items":[{"productId":"\#(mug)","quantity":3}]}"#)
            )
            #expect(other.status == .unprocessableContent)
            #expect(try decode(Problem.self, other).code == "idempotency_key_reused")
            #expect(try fixture.log.headPosition() == head)

            // Keys belong to their user: another user's same key is a new request.
            let adminOrder = try await client.execute(
                uri: "/v1/orders",
                method: .post,
                headers: jsonHeaders(fixture.admin, [.idempotencyKey: "order-attempt-1"]),
                body: ByteBuffer(string: body)
            )
            #expect(adminOrder.status == .created && adminOrder.headers[.idempotentReplayed] == nil)

            // A key that is not 1–255 printable ASCII characters is refused.
            let badKey = try await client.execute(
                uri: "/v1/orders",
                method: .post,
                headers: jsonHeaders(fixture.customer, [.idempotencyKey: String(repeating: "k", count: 256)]),
                body: ByteBuffer(string: body)
            )
            #expect(badKey.status == .unprocessableContent)
            #expect(try decode(Problem.self, badKey).errors?.first?.field == "Idempotency-Key")
        }
    }

    @Test func racingRequestsWithOneKeyAppendOnce() async throws {
        try await APIFixture.run { fixture, client in
            let mug = try await product(fixture, client, stock: 100)
            let body = #"{"items":[{"productId":"\#(mug)","quantity":1}]}"#
            let headers = jsonHeaders(fixture.customer, [.idempotencyKey: "race"])
            let statuses = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let response = try await client.execute(uri: "/v1/orders", method: .post, headers: headers, body: ByteBuffer(string: body))
                        return (response.status.code, response.headers[.location])
                    }
                }
                return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
            }
            // Each is the first answer, its replay, or "in progress": never a second order.
            #expect(statuses.allSatisfy { $0.0 == 201 || $0.0 == 409 })
            #expect(Set(statuses.compactMap(\.1)).count == 1)
            #expect(try fixture.shop.product(id: mug)?.record.stock == 99)
            let orders = try fixture.shop.orders(userId: "user-1", status: nil, limit: 100, after: nil)
            #expect(orders.items.count == 1)
        }
    }

    @Test func anonymousSignUpsAreIdempotentToo() async throws {
        try await APIFixture.run { fixture, client in
            let headers = jsonHeaders(nil, [.idempotencyKey: "sign-up-1"])
            let body = ByteBuffer(string: #"{"name":"Ann","email":"ann@example.com","password":"correct horse"}"#)
            let first = try await client.execute(uri: "/v1/users", method: .post, headers: headers, body: body)
            let again = try await client.execute(uri: "/v1/users", method: .post, headers: headers, body: body)
            #expect(first.status == .created && again.status == .created && again.headers[.idempotentReplayed] == "true")
            #expect(String(buffer: first.body) == String(buffer: again.body))
            // The stored answer holds a name and an email: it is sealed at rest.
            let raw = try fixture.place.storedBytes()
            #expect(raw.range(of: Data("ann@example.com".utf8)) == nil)
        }
    }
}
