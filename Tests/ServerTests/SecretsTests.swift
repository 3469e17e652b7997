import Foundation
import StrataTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// No password, token, refresh token or key reaches a log line, a problem body or a metric: a full
/// session at debug log level, then every byte the server wrote and answered is searched.
@Suite(.serialized) struct SecretsTests {
    @Test func aFullSessionAtDebugLevelLeaksNoSecret() throws {
        let directory = TemporaryDirectory("server")
        defer { directory.remove() }
        let jwtSecret = "jwt-secret-" + String(repeating: "q", count: 40)
        let server = try LiveServer(directory: directory.path, environment: ["STRATA_LOG_LEVEL": "debug", "STRATA_JWT_SECRET": jwtSecret])
        try server.waitUntilReady()
        var answers: [String] = []
        func send(_ method: String, _ path: String, _ headers: [String: String] = [:], _ body: String? = nil) throws -> HTTPAnswer {
            let answer = try server.request(method, path, headers: headers, body: body)
            answers.append(answer.headers.map { "\($0.key): \($0.value)" }.joined(separator: "\n") + "\n" + answer.body)
            return answer
        }

        let password = "pass-Secret-4711"
        let wrongPassword = "wrong-Secret-0815"
        #expect(try send("POST", "/v1/users", [:], #"{"name":"Ann","email":"ann@example.com","password":"\#(password)"}"#).status == 201)
        // A password that is too short is refused without being echoed.
        #expect(try send("POST", "/v1/users", [:], #"{"name":"Bob","email":"bob@example.com","password":"short-7"}"#).status == 422)
        for _ in 0..<3 {
            #expect(try send("POST", "/v1/sessions", [:], #"{"email":"ann@example.com","password":"\#(wrongPassword)"}"#).status == 401)
        }
        let signIn = try send("POST", "/v1/sessions", [:], #"{"email":"ann@example.com","password":"\#(password)"}"#)
        let access = try #require(try signIn.json()["accessToken"] as? String)
        let refresh = try #require(try signIn.json()["refreshToken"] as? String)
        let refreshed = try send("POST", "/v1/sessions/refresh", [:], #"{"refreshToken":"\#(refresh)"}"#)
        let access2 = try #require(try refreshed.json()["accessToken"] as? String)
        let refresh2 = try #require(try refreshed.json()["refreshToken"] as? String)
        #expect(try send("GET", "/v1/users/me", ["Authorization": "Bearer \(access2)"]).status == 200)
        // A reused refresh token, a tampered token, a token of another key, garbage.
        #expect(try send("POST", "/v1/sessions/refresh", [:], #"{"refreshToken":"\#(refresh)"}"#).status == 401)
        let tampered = String(access2.dropLast(3)) + (access2.hasSuffix("AAA") ? "BBB" : "AAA")
        for bad in [tampered, access2 + "x", "not-a-token-Secret-1234"] {
            #expect(try send("GET", "/v1/users/me", ["Authorization": "Bearer \(bad)"]).status == 401)
        }
        #expect(try send("POST", "/v1/sessions/refresh", [:], #"{"refreshToken":"made-up-Secret-5555"}"#).status == 401)
        let admin = try send("POST", "/v1/sessions", [:], #"{"email":"admin@example.com","password":"admin password"}"#)
        let adminToken = try #require(try admin.json()["accessToken"] as? String)
        #expect(try send("DELETE", "/v1/sessions/current", ["Authorization": "Bearer \(access2)"]).status == 401)
        _ = try send("GET", "/metrics")
        _ = try send("GET", "/v1/admin/events?limit=1000", ["Authorization": "Bearer \(adminToken)"])
        #expect(try server.stop() == 0)

        let log = server.stderrText()
        #expect(log.contains("POST") && log.contains("/v1/sessions"), "the access log ran: \(log.prefix(300))")
        let secrets = [
            ("password", password), ("wrong password", wrongPassword), ("short password", "short-7"), ("admin password", "admin password"),
            ("access token", access), ("second access token", access2), ("refresh token", refresh), ("second refresh token", refresh2),
            ("admin token", adminToken), ("tampered token", tampered), ("made-up token", "not-a-token-Secret-1234"),
            ("made-up refresh token", "made-up-Secret-5555"), ("JWT secret", jwtSecret),
        ]
        // Answers that legitimately carry a token are the sign-in and refresh bodies themselves.
        let problems = answers.filter { !$0.contains(#""accessToken""#) }
        for (name, secret) in secrets {
            #expect(!log.contains(secret), "the log holds the \(name)")
            for answer in problems { #expect(!answer.contains(secret), "an answer holds the \(name)") }
        }
        // Nor does any file of the data directory hold a password, a refresh token or the JWT secret in the clear.
        let files = FileManager.default.enumerator(atPath: directory.path)?.compactMap { $0 as? String } ?? []
        for file in files {
            guard let data = FileManager.default.contents(atPath: directory.sub(file)) else { continue }
            for (name, secret) in [("password", password), ("refresh token", refresh2)] {
                #expect(data.range(of: Data(secret.utf8)) == nil, "\(file) holds the \(name)")
            }
        }
    }
}
