import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import StrataHTTP
import StrataKit
import Testing

/// A small application with Strata's middleware in order, and routes that exercise each piece.
func makeApplication(tokens: TokenService, limiter: SignInRateLimiter = SignInRateLimiter()) -> some ApplicationProtocol {
    let logger = Logger(label: "test")
    let router = Router(context: StrataRequestContext.self)
    router.add(middleware: RequestIDMiddleware())
    router.add(middleware: AccessLogMiddleware(logger: logger))
    router.add(middleware: ProblemMiddleware(logger: logger))
    router.add(middleware: AuthenticationMiddleware(tokens: tokens))
    router.post("/things") { request, context -> Response in
        var fields = try await JSONBody.object(request, context: context, allowed: ["name", "count"])
        let name = fields.string("name", trimmed: true, length: 1...10)
        let count = fields.integer("count", in: 1...5)
        try fields.finish()
        let body = try KitCoding.encoder().encode(["name": name ?? "", "count": String(count ?? 0)])
        return Response(status: .created, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
    router.get("/me") { _, context -> String in try context.requireIdentity().userId }
    router.get("/admin") { _, context -> String in try context.requireRole("admin").userId }
    router.get("/boom") { _, _ -> String in throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "/secret/path"]) }
    router.get("/view") { request, _ -> Response in
        ConditionalGET.response(
            CachedView(body: Array(#"{"id":"p1"}"#.utf8), etag: "\"7\"", position: 42),
            request: request,
            cacheControl: ConditionalGET.publicCache
        )
    }
    router.post("/sign-in") { request, _ -> String in
        let key = request.headers[.init("X-Key")!] ?? ""
        try await limiter.check(key)
        try await limiter.recordFailure(key)
        throw Problem(status: .unauthorized, code: "invalid_credentials", detail: "wrong email or password")
    }
    return Application(router: router, logger: logger)
}

func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

func problem(_ response: TestResponse) throws -> Problem {
    try JSONDecoder().decode(Problem.self, from: Data(buffer: response.body))
}

@Suite struct MiddlewareTests {
    let secret = String(repeating: "s", count: 32)

    @Test func everyResponseCarriesARequestIdEchoingSaneOnes() async throws {
        let app = makeApplication(tokens: try await TokenService(secret: secret))
        try await app.test(.router) { client in
            try await client.execute(uri: "/view", method: .get, headers: [.strataRequestID: "abc-123"]) { response throws in
                #expect(response.headers[.strataRequestID] == "abc-123")
            }
            try await client.execute(uri: "/view", method: .get, headers: [.strataRequestID: "bad id with spaces"]) { response throws in
                let id = try #require(response.headers[.strataRequestID])
                #expect(id != "bad id with spaces" && id.count == 36)
            }
            try await client.execute(uri: "/nowhere", method: .get) { response throws in
                #expect(response.status == .notFound)
                #expect(response.headers[.strataRequestID] != nil)
                #expect(try problem(response).code == "not_found")
            }
        }
    }

    @Test func bodiesAreJSONWithinTheLimitWithEveryFailingFieldReported() async throws {
        let app = makeApplication(tokens: try await TokenService(secret: secret))
        try await app.test(.router) { client in
            try await client.execute(
                uri: "/things",
                method: .post,
                headers: [.contentType: "application/json"],
                body: json(#"{"name":" Mug ","count":2}"#)
            ) {
                response throws in
                #expect(response.status == .created)
                #expect(String(buffer: response.body) == #"{"count":"2","name":"Mug"}"#)
            }
            try await client.execute(
                uri: "/things",
                method: .post,
                headers: [.contentType: "application/json"],
                body: json(#"{"name":"","count":9,"colour":"red"}"#)
            ) { response throws in
                #expect(response.status == .unprocessableContent)
                #expect(response.headers[.contentType] == "application/problem+json")
                #expect(response.headers[.cacheControl] == "no-store")
                let body = try problem(response)
                #expect(body.code == "validation_failed")
                #expect(body.errors?.map(\.field) == ["colour", "name", "count"])
            }
            try await client.execute(uri: "/things", method: .post, headers: [.contentType: "application/json"], body: json(#"{"name": "x""#)) {
                response throws in
                #expect(response.status == .badRequest)
                #expect(try problem(response).code == "malformed_json")
            }
            try await client.execute(uri: "/things", method: .post, headers: [.contentType: "text/plain"], body: json("{}")) { response throws in
                #expect(response.status == .unsupportedMediaType)
                #expect(try problem(response).code == "unsupported_media_type")
            }
            let big = "{\"name\":\"" + String(repeating: "x", count: JSONBody.defaultLimit) + "\"}"
            try await client.execute(uri: "/things", method: .post, headers: [.contentType: "application/json; charset=utf-8"], body: json(big)) {
                response throws in
                #expect(response.status == .contentTooLarge)
                #expect(try problem(response).code == "payload_too_large")
            }
        }
    }

    @Test func aServerErrorLeaksNothing() async throws {
        let app = makeApplication(tokens: try await TokenService(secret: secret))
        try await app.test(.router) { client in
            try await client.execute(uri: "/boom", method: .get) { response throws in
                #expect(response.status == .internalServerError)
                let text = String(buffer: response.body)
                #expect(!text.contains("/secret/path") && !text.contains("CocoaError"))
                #expect(try problem(response).code == "internal")
            }
        }
    }

    @Test func tokensAreVerifiedAndRolesEnforced() async throws {
        let tokens = try await TokenService(secret: secret)
        let app = makeApplication(tokens: tokens)
        let customer = try await tokens.issue(for: Identity(userId: "u1", role: "customer", sessionId: "s1")).token
        let admin = try await tokens.issue(for: Identity(userId: "a1", role: "admin", sessionId: "s2")).token
        let expired = try await tokens.issue(for: Identity(userId: "u1", role: "customer", sessionId: nil), now: Date().addingTimeInterval(-3600))
            .token
        let otherKey = try await TokenService(secret: String(repeating: "t", count: 32)).issue(
            for: Identity(userId: "u1", role: "admin", sessionId: nil)
        ).token
        // alg none: the same claims, unsigned.
        let parts = customer.split(separator: ".")
        let noneHeader = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
        let unsigned = "\(noneHeader).\(parts[1])."
        var flipped = Array(customer)
        flipped[flipped.count - 3] = flipped[flipped.count - 3] == "A" ? "B" : "A"
        let tampered = String(flipped)
        try await app.test(.router) { client in
            try await client.execute(uri: "/me", method: .get, headers: [.authorization: "Bearer \(customer)"]) { response throws in
                #expect(response.status == .ok && String(buffer: response.body) == "u1")
            }
            try await client.execute(uri: "/me", method: .get) { response throws in
                #expect(response.status == .unauthorized)
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
            }
            for bad in [expired, otherKey, unsigned, tampered, "garbage"] {
                try await client.execute(uri: "/me", method: .get, headers: [.authorization: "Bearer \(bad)"]) { response throws in
                    #expect(response.status == .unauthorized)
                    #expect(try problem(response).code == "unauthorized")
                }
            }
            try await client.execute(uri: "/admin", method: .get, headers: [.authorization: "Bearer \(customer)"]) { response throws in
                #expect(response.status == .forbidden)
                #expect(try problem(response).code == "forbidden")
            }
            try await client.execute(uri: "/admin", method: .get, headers: [.authorization: "Bearer \(admin)"]) { response throws in
                #expect(response.status == .ok)
            }
        }
        await #expect(throws: TokenServiceError.self) { _ = try await TokenService(secret: "short") }
    }

    @Test func conditionalGetAnswers304ForAMatchingETag() async throws {
        let app = makeApplication(tokens: try await TokenService(secret: secret))
        try await app.test(.router) { client in
            try await client.execute(uri: "/view", method: .get) { response throws in
                #expect(response.status == .ok)
                #expect(response.headers[.eTag] == "\"7\"" && response.headers[.strataPosition] == "42")
                #expect(response.headers[.cacheControl] == "no-cache")
            }
            try await client.execute(uri: "/view", method: .get, headers: [.ifNoneMatch: "\"3\", W/\"7\""]) { response throws in
                #expect(response.status == .notModified)
                #expect(response.body.readableBytes == 0)
                #expect(response.headers[.eTag] == "\"7\"")
            }
        }
    }

    @Test func repeatedFailedSignInsAreRateLimited() async throws {
        let clock = FakeClock()
        let limiter = SignInRateLimiter(limit: 5, window: 300, now: { clock.now })
        let app = makeApplication(tokens: try await TokenService(secret: secret), limiter: limiter)
        try await app.test(.router) { client in
            for _ in 0..<5 {
                try await client.execute(uri: "/sign-in", method: .post, headers: [.init("X-Key")!: "1.2.3.4|a@b.c"]) { response throws in
                    #expect(response.status == .unauthorized)
                }
            }
            try await client.execute(uri: "/sign-in", method: .post, headers: [.init("X-Key")!: "1.2.3.4|a@b.c"]) { response throws in
                #expect(response.status == .tooManyRequests)
                #expect(response.headers[.retryAfter] == "300")
                #expect(try problem(response).code == "rate_limited")
            }
            // Another key is not affected; after the window, the key may try again.
            try await client.execute(uri: "/sign-in", method: .post, headers: [.init("X-Key")!: "5.6.7.8|a@b.c"]) { response throws in
                #expect(response.status == .unauthorized)
            }
            clock.advance(301)
            try await client.execute(uri: "/sign-in", method: .post, headers: [.init("X-Key")!: "1.2.3.4|a@b.c"]) { response throws in
                #expect(response.status == .unauthorized)
            }
        }
    }
}

/// A clock the test moves by hand.
final class FakeClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_800_000_000)
    var now: Date {
        lock.lock()
        defer { lock.unlock() }
        return current
    }
    func advance(_ seconds: TimeInterval) {
        lock.lock()
        current += seconds
        lock.unlock()
    }
}
