import Foundation
@testable import StrataHTTP
import Testing

/// Key ids, rotation and whole-second claims of access tokens.
@Suite struct TokenKeyTests {
    let first = String(repeating: "a", count: 32)
    let second = String(repeating: "b", count: 40)
    let identity = Identity(userId: "u1", role: "customer", sessionId: "s1")

    @Test func aTokenWithAnUnknownKeyIDIsRefusedWhateverItIsSignedWith() async throws {
        let server = try await TokenService(secret: first)
        // The right secret under another key id.
        let impostor = try await TokenService(keys: [SigningKey(id: "other", secret: first)]).issue(for: identity).token
        await #expect(throws: Problem.self) { _ = try await server.verify(impostor) }
        // No key id at all.
        let parts = impostor.split(separator: ".").map(String.init)
        let bare = Data(#"{"alg":"HS256","typ":"JWT"}"#.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
        await #expect(throws: Problem.self) { _ = try await server.verify("\(bare).\(parts[1]).\(parts[2])") }
        // The server's own tokens still pass.
        #expect(try await server.verify(try await server.issue(for: identity).token) == identity)
    }

    @Test func keysRotateWithoutSigningAnyoneOut() async throws {
        let before = try await TokenService(secret: first)
        let old = try await before.issue(for: identity).token
        // The new key signs first; the old one still verifies.
        let rotating = try await TokenService(keys: [SigningKey(id: "k2", secret: second), SigningKey(id: SigningKey.defaultID, secret: first)])
        #expect(try await rotating.verify(old) == identity)
        let fresh = try await rotating.issue(for: identity).token
        #expect(TokenService.header(of: fresh)?.kid == "k2")
        #expect(try await rotating.verify(fresh) == identity)
        // Once the old key is removed, its tokens are refused.
        let after = try await TokenService(keys: [SigningKey(id: "k2", secret: second)])
        await #expect(throws: Problem.self) { _ = try await after.verify(old) }
        #expect(try await after.verify(fresh) == identity)
        // A short secret is refused, naming the key and never the secret.
        let short = await #expect(throws: TokenServiceError.self) {
            _ = try await TokenService(keys: [SigningKey(id: "k3", secret: "too short")])
        }
        #expect(short?.description.contains("k3") == true && short?.description.contains("too short") == false)
    }

    @Test func aVerifiedTokenIsRememberedUntilItsExpiryAndOnlyByItsExactText() async throws {
        let service = try await TokenService(secret: first, lifetime: .seconds(60))
        let issuedAt = Date()
        let token = try await service.issue(for: identity, now: issuedAt).token
        #expect(service.verifiedTokenCount == 0)
        #expect(try await service.verify(token) == identity)
        #expect(service.verifiedTokenCount == 1)
        #expect(try await service.verify(token) == identity)
        #expect(service.verifiedTokenCount == 1)
        // One character of the signature changed: not the remembered token, and it does not verify.
        var forged = Array(token)
        forged[forged.count - 2] = forged[forged.count - 2] == "A" ? "B" : "A"
        await #expect(throws: Problem.self) { _ = try await service.verify(String(forged)) }
        // Remembered or not, a token is refused from its `exp` on.
        let expiry = Date(timeIntervalSince1970: issuedAt.timeIntervalSince1970.rounded(.down) + 60)
        #expect(try await service.verify(token, now: expiry.addingTimeInterval(-1)) == identity)
        await #expect(throws: Problem.self) { _ = try await service.verify(token, now: expiry) }
        #expect(service.verifiedTokenCount == 0)
        await #expect(throws: Problem.self) { _ = try await service.verify(token, now: expiry.addingTimeInterval(1)) }
        #expect(service.verifiedTokenCount == 0)
        // A server without the token's key refuses it, whatever another server remembered.
        let rotated = try await TokenService(keys: [SigningKey(id: "k2", secret: second)])
        await #expect(throws: Problem.self) { _ = try await rotated.verify(token) }
    }

    @Test func theRememberedTokensAreBounded() async throws {
        let service = try await TokenService(keys: [SigningKey(id: SigningKey.defaultID, secret: first)], verifiedCapacity: 8)
        for index in 0..<50 {
            let token = try await service.issue(for: Identity(userId: "u\(index)", role: "customer", sessionId: nil)).token
            _ = try await service.verify(token)
        }
        #expect(service.verifiedTokenCount <= 8)
    }

    @Test func expiryAndIssueTimeAreWholeSeconds() async throws {
        let service = try await TokenService(secret: first, lifetime: .seconds(900))
        let token = try await service.issue(for: identity, now: Date(timeIntervalSince1970: 1_764_040_741.75)).token
        let payload = token.split(separator: ".")[1]
        var base64 = payload.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        let text = String(decoding: try #require(Data(base64Encoded: base64)), as: UTF8.self)
        #expect(text.contains(#""iat":1764040741,"#) || text.contains(#""iat":1764040741}"#), "\(text)")
        #expect(text.contains(#""exp":1764041641"#), "\(text)")
        #expect(!text.contains("1764040741.") && !text.contains("1764041641."))
    }

    @Test func keyListsParseAndRefuseMalformedEntries() throws {
        let keys = try SigningKey.parseList(
            """
            # newest first
            k2 \(second)

            strata:\(first)
            """
        )
        #expect(keys == [SigningKey(id: "k2", secret: second), SigningKey(id: "strata", secret: first)])
        #expect(try SigningKey.parseList("a:\(first),b=\(second)").map(\.id) == ["a", "b"])
        #expect(throws: TokenServiceError.self) { _ = try SigningKey.parseList("") }
        #expect(throws: TokenServiceError.self) { _ = try SigningKey.parseList("onlyanid") }
        #expect(throws: TokenServiceError.self) { _ = try SigningKey.parseList("a \(first)\na \(second)") }
        #expect(throws: TokenServiceError.self) { _ = try SigningKey.parseList("bad/id \(first)") }
    }
}
