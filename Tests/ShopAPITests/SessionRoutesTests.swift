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
import Testing

struct TokenPairBody: Decodable {
    var accessToken: String
    var tokenType: String
    var expiresIn: Int
    var refreshToken: String
}

struct UserResponseBody: Decodable {
    var id: String
    var name: String?
    var email: String?
    var role: String
    var status: String
}

extension TestClientProtocol {
    func post(_ uri: String, _ body: String, token: String? = nil) async throws -> TestResponse {
        try await execute(uri: uri, method: .post, headers: jsonHeaders(token), body: ByteBuffer(string: body))
    }

    func signIn(_ email: String, _ password: String) async throws -> TestResponse {
        try await post("/v1/sessions", #"{"email":"\#(email)","password":"\#(password)"}"#)
    }
}

@Suite struct SessionRoutesTests {
    @Test func signUpSignInReadMeAndAdminLookups() async throws {
        try await APIFixture.run { fixture, client in
            let created = try await client.post("/v1/users", #"{"name":" Ann ","email":"Ann@Example.com","password":"correct horse"}"#)
            #expect(created.status == .created)
            let user = try decode(UserResponseBody.self, created)
            #expect(user.name == "Ann" && user.email == "ann@example.com" && user.role == "customer" && user.status == "active")
            #expect(!String(buffer: created.body).contains("password"))

            let duplicate = try await client.post("/v1/users", #"{"name":"B","email":"ann@example.com","password":"another one"}"#)
            #expect(duplicate.status == .conflict)
            #expect(try decode(Problem.self, duplicate).code == "email_taken")
            let invalid = try await client.post("/v1/users", #"{"name":"","email":"nope","password":"short"}"#)
            #expect(invalid.status == .unprocessableContent)
            #expect(try decode(Problem.self, invalid).errors?.map(\.field) == ["name", "email", "password"])

            let signedIn = try await client.signIn("ann@example.com", "correct horse")
            #expect(signedIn.status == .ok)
            let pair = try decode(TokenPairBody.self, signedIn)
            #expect(pair.tokenType == "Bearer" && pair.expiresIn == 900)
            let me = try await client.execute(uri: "/v1/users/me", method: .get, headers: [.authorization: "Bearer \(pair.accessToken)"])
            #expect(me.status == .ok && me.headers[.cacheControl] == "private, no-cache")
            #expect(try decode(UserResponseBody.self, me).id == user.id)

            let byCustomer = try await client.execute(
                uri: "/v1/users/\(user.id)",
                method: .get,
                headers: [.authorization: "Bearer \(pair.accessToken)"]
            )
            #expect(byCustomer.status == .forbidden)
            let byAdmin = try await client.execute(uri: "/v1/users/\(user.id)", method: .get, headers: [.authorization: "Bearer \(fixture.admin)"])
            #expect(byAdmin.status == .ok)
            let missing = try await client.execute(uri: "/v1/users/nobody", method: .get, headers: [.authorization: "Bearer \(fixture.admin)"])
            #expect(missing.status == .notFound)

            for attempt in [("ann@example.com", "wrong password"), ("nobody@example.com", "correct horse")] {
                let refused = try await client.signIn(attempt.0, attempt.1)
                #expect(refused.status == .unauthorized)
                #expect(try decode(Problem.self, refused).code == "invalid_credentials")
            }
        }
    }

    @Test func refreshRotatesAndReuseRevokesTheSession() async throws {
        try await APIFixture.run { fixture, client in
            _ = try await client.post("/v1/users", #"{"name":"Ann","email":"ann@example.com","password":"correct horse"}"#)
            let first = try decode(TokenPairBody.self, try await client.signIn("ann@example.com", "correct horse"))
            let rotated = try await client.post("/v1/sessions/refresh", #"{"refreshToken":"\#(first.refreshToken)"}"#)
            #expect(rotated.status == .ok)
            let second = try decode(TokenPairBody.self, rotated)
            #expect(second.refreshToken != first.refreshToken)
            // The old token again: refused, and the whole session with it.
            let reused = try await client.post("/v1/sessions/refresh", #"{"refreshToken":"\#(first.refreshToken)"}"#)
            #expect(reused.status == .unauthorized)
            let afterReuse = try await client.post("/v1/sessions/refresh", #"{"refreshToken":"\#(second.refreshToken)"}"#)
            #expect(afterReuse.status == .unauthorized)

            // A reused refresh token ends the session's access tokens too.
            let meAfterReuse = try await client.execute(uri: "/v1/users/me", method: .get, headers: [.authorization: "Bearer \(second.accessToken)"])
            #expect(meAfterReuse.status == .unauthorized)

            // Sign-out ends that session at once: its refresh token and its access tokens, not the others.
            let other = try decode(TokenPairBody.self, try await client.signIn("ann@example.com", "correct horse"))
            let third = try decode(TokenPairBody.self, try await client.signIn("ann@example.com", "correct horse"))
            let before = try await client.execute(uri: "/v1/users/me", method: .get, headers: [.authorization: "Bearer \(other.accessToken)"])
            #expect(before.status == .ok)
            let out = try await client.execute(uri: "/v1/sessions/current", method: .delete, headers: [.authorization: "Bearer \(other.accessToken)"])
            #expect(out.status == .noContent)
            let afterSignOut = try await client.post("/v1/sessions/refresh", #"{"refreshToken":"\#(other.refreshToken)"}"#)
            #expect(afterSignOut.status == .unauthorized)
            let meAfterSignOut = try await client.execute(uri: "/v1/users/me", method: .get, headers: [.authorization: "Bearer \(other.accessToken)"])
            #expect(meAfterSignOut.status == .unauthorized)
            #expect(meAfterSignOut.headers[.wwwAuthenticate] == "Bearer")
            let outAgain = try await client.execute(uri: "/v1/sessions/current", method: .delete, headers: [.authorization: "Bearer \(other.accessToken)"])
            #expect(outAgain.status == .unauthorized)
            let otherSession = try await client.execute(uri: "/v1/users/me", method: .get, headers: [.authorization: "Bearer \(third.accessToken)"])
            #expect(otherSession.status == .ok)
        }
    }

    @Test func aDeactivatedUserCanNeitherSignInNorRefresh() async throws {
        try await APIFixture.run { fixture, client in
            let user = try decode(
                UserResponseBody.self,
                try await client.post("/v1/users", #"{"name":"Ann","email":"ann@example.com","password":"correct horse"}"#)
            )
            let pair = try decode(TokenPairBody.self, try await client.signIn("ann@example.com", "correct horse"))
            let byCustomer = try await client.post("/v1/users/\(user.id)/deactivate", "{}", token: pair.accessToken)
            #expect(byCustomer.status == .forbidden)
            let deactivated = try await client.execute(
                uri: "/v1/users/\(user.id)/deactivate",
                method: .post,
                headers: [.authorization: "Bearer \(fixture.admin)"]
            )
            #expect(deactivated.status == .ok)
            #expect(try decode(UserResponseBody.self, deactivated).status == "deactivated")
            #expect(try await client.signIn("ann@example.com", "correct horse").status == .unauthorized)
            #expect(try await client.post("/v1/sessions/refresh", #"{"refreshToken":"\#(pair.refreshToken)"}"#).status == .unauthorized)
            // The access token issued before is refused at once, not at its expiry.
            let me = try await client.execute(uri: "/v1/users/me", method: .get, headers: [.authorization: "Bearer \(pair.accessToken)"])
            #expect(me.status == .unauthorized)
        }
    }

    @Test func repeatedFailedSignInsAreRateLimited() async throws {
        try await APIFixture.run { _, client in
            _ = try await client.post("/v1/users", #"{"name":"Ann","email":"ann@example.com","password":"correct horse"}"#)
            for _ in 0..<5 { #expect(try await client.signIn("ann@example.com", "wrong password").status == .unauthorized) }
            let limited = try await client.signIn("ann@example.com", "correct horse")
            #expect(limited.status == .tooManyRequests)
            #expect(limited.headers[.retryAfter] != nil)
            #expect(try decode(Problem.self, limited).code == "rate_limited")
        }
    }
}
