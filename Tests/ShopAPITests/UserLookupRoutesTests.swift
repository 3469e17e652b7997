import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import IdentityAPI
import ShopAPI
import ShopTestSupport
import StrataServer
import StrataHTTP
import Testing

private struct UserPage: Decodable {
    var items: [UserResponseBody]
}

/// `GET /v1/users?email=`: admins find a user by email (exact, case-insensitive); an erased
/// user's old email finds nothing.
@Suite struct UserLookupRoutesTests {
    private func find(_ client: any TestClientProtocol, _ query: String, _ token: String?, _ extra: HTTPFields = [:]) async throws -> TestResponse {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: "/v1/users?\(query)", method: .get, headers: headers)
    }

    @Test func adminsFindAUserByEmailAndNotOnceErased() async throws {
        try await APIFixture.run { fixture, client in
            _ = try await client.post("/v1/users", #"{"name":"Xena Lookup","email":"Xena@Example.com","password":"correct horse"}"#)
            #expect(try await find(client, "email=xena@example.com", nil).status == .unauthorized)
            #expect(try await find(client, "email=xena@example.com", fixture.customer).status == .forbidden)

            let found = try await find(client, "email=XENA%40example.COM", fixture.admin)
            #expect(found.status == .ok && found.headers[.cacheControl] == "private, no-cache" && found.headers[.strataPosition] != nil)
            let page = try decode(UserPage.self, found)
            #expect(page.items.count == 1 && page.items.first?.email == "xena@example.com" && page.items.first?.name == "Xena Lookup")
            let id = try #require(page.items.first?.id)
            let etag = try #require(found.headers[.eTag])
            #expect(try await find(client, "email=xena@example.com", fixture.admin, [.ifNoneMatch: etag]).status == .notModified)

            let none = try await find(client, "email=nobody@example.com", fixture.admin)
            #expect(none.status == .ok)
            #expect(try decode(UserPage.self, none).items.isEmpty)
            for query in ["", "email=", "email=\(String(repeating: "a", count: 255))"] {
                let bad = try await find(client, query, fixture.admin)
                #expect(bad.status == .badRequest, "\(query)")
            }

            #expect(try await client.post("/v1/users/\(id)/erase", "", token: fixture.admin).status == .noContent)
            let erased = try await find(client, "email=xena@example.com", fixture.admin, [.ifNoneMatch: etag])
            #expect(erased.status == .ok)
            #expect(try decode(UserPage.self, erased).items.isEmpty)
        }
    }
}
