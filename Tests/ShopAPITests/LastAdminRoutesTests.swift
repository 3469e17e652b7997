import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Shop
import StrataHTTP
import StrataKit
import Testing

/// 409 `last_admin` through HTTP: the shop can never lock out every operator.
@Suite struct LastAdminRoutesTests {
    @Test func theLastActiveAdminCanBeNeitherDeactivatedNorErased() async throws {
        try await APIFixture.run { fixture, client in
            let bearer: HTTPFields = [.authorization: "Bearer \(fixture.admin)"]
            for (uri, method) in [("/v1/users/admin-1/deactivate", HTTPRequest.Method.post), ("/v1/users/admin-1/erase", .post), ("/v1/users/me", .delete)] {
                let refused = try await client.execute(uri: uri, method: method, headers: bearer)
                #expect(refused.status == .conflict, "\(method) \(uri)")
                #expect(try decode(Problem.self, refused).code == "last_admin")
            }
            let me = try await client.execute(uri: "/v1/users/me", method: .get, headers: bearer)
            #expect(me.status == .ok)
            // A second admin: now the first may go, and the second is the last.
            _ = try await fixture.users.registerUser(
                id: "admin-2",
                name: "Second",
                email: "admin-2@example.com",
                role: .admin,
                passwordHash: "$2b$04$unused",
                metadata: EventMetadata(correlationId: "test")
            )
            let deactivated = try await client.execute(uri: "/v1/users/admin-2/deactivate", method: .post, headers: bearer)
            #expect(deactivated.status == .ok)
            let stillLast = try await client.execute(uri: "/v1/users/me", method: .delete, headers: bearer)
            #expect(stillLast.status == .conflict)
        }
    }
}
