import Foundation
import StrataKit
import JWTKit
import StrataStore

/// The claims of an access token.
public struct AccessClaims: JWTPayload, Equatable {
    public var sub: SubjectClaim
    public var role: String
    public var exp: ExpirationClaim
    public var iat: IssuedAtClaim
    public var jti: IDClaim
    /// The session it was issued for.
    public var sid: String?

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
    }
}

/// Issues and verifies short-lived HS256 access tokens. Several keys may be held, each with an id
/// (the token header's `kid`): the first signs, all verify, so keys rotate without signing anyone
/// out. A token whose `kid` is missing or unknown (whatever it is signed with), `alg` other than
/// HS256, a wrong signature or a past `exp` is refused. `exp` and `iat` are whole seconds.
/// Tokens that verified are remembered until their `exp` (`VerifiedTokens`), so a client's
/// repeated requests cost one lookup, not a parse and an HMAC each.
public struct TokenService: Sendable {
    private let keys: JWTKeyCollection
    private let verified: VerifiedTokens
    /// The ids of the keys that verify; the first signs.
    public let keyIDs: [String]
    /// How long an access token lives.
    public let lifetime: Duration

    /// One key, known by ``SigningKey/defaultID``: `STRATA_JWT_SECRET` alone.
    ///
    /// - Throws: when the secret is shorter than 32 bytes.
    public init(secret: String, lifetime: Duration = .seconds(15 * 60)) async throws {
        try await self.init(keys: [SigningKey(id: SigningKey.defaultID, secret: secret)], lifetime: lifetime)
    }

    /// - Throws: when there is no key, or a secret is shorter than 32 bytes (the message names
    ///   the key id, never the secret).
    /// `verifiedCapacity` bounds how many verified tokens are remembered.
    public init(keys signingKeys: [SigningKey], lifetime: Duration = .seconds(15 * 60), verifiedCapacity: Int = 16_384) async throws {
        guard !signingKeys.isEmpty else { throw TokenServiceError("no signing key is given") }
        let collection = JWTKeyCollection(defaultJWTParser: DefaultJWTParser(jsonDecoder: JWTByteDecoder()))
        for key in signingKeys {
            guard key.secret.utf8.count >= 32 else {
                let name = key.id == SigningKey.defaultID ? "STRATA_JWT_SECRET" : "the secret of key \(key.id)"
                throw TokenServiceError("\(name) must be at least 32 bytes; it is \(key.secret.utf8.count)")
            }
            await collection.add(
                hmac: HMACKey(from: key.secret),
                digestAlgorithm: .sha256,
                kid: JWKIdentifier(string: key.id),
                parser: DefaultJWTParser(jsonDecoder: JWTByteDecoder())
            )
        }
        keys = collection
        verified = VerifiedTokens(capacity: verifiedCapacity)
        keyIDs = signingKeys.map(\.id)
        self.lifetime = lifetime
    }

    /// How many verified tokens are remembered now.
    var verifiedTokenCount: Int { verified.count }

    /// A signed access token for `identity`, and its lifetime in seconds.
    public func issue(for identity: Identity, now: Date = Date()) async throws -> (token: String, expiresIn: Int) {
        let seconds = Int(lifetime.components.seconds)
        // Whole seconds: some client libraries refuse a fractional `exp`.
        let issued = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let claims = AccessClaims(
            sub: SubjectClaim(value: identity.userId),
            role: identity.role,
            exp: ExpirationClaim(value: issued.addingTimeInterval(Double(seconds))),
            iat: IssuedAtClaim(value: issued),
            jti: IDClaim(value: UUIDv7.make().uuidString.lowercased()),
            sid: identity.sessionId
        )
        return (try await keys.sign(claims, kid: JWKIdentifier(string: keyIDs[0])), seconds)
    }

    /// The identity a token proves; throws 401 for any token that does not verify, or whose
    /// `exp` is not after `now`.
    public func verify(_ token: String, now: Date = Date()) async throws -> Identity {
        if let identity = verified.identity(for: token, now: now) { return identity }
        // jwt-kit falls back to its default key for an unknown `kid`: the header is checked first.
        guard let header = Self.header(of: token), header.alg == "HS256", let kid = header.kid, keyIDs.contains(kid) else {
            throw Problem.unauthorized("the bearer token is not valid")
        }
        do {
            let claims = try await keys.verify(token, as: AccessClaims.self)
            // jwt-kit checked `exp` against the clock; `now` may be later.
            guard now < claims.exp.value else { throw Problem.unauthorized("the bearer token is not valid") }
            let identity = Identity(userId: claims.sub.value, role: claims.role, sessionId: claims.sid)
            verified.remember(token, proves: identity, until: claims.exp.value)
            return identity
        } catch {
            throw Problem.unauthorized("the bearer token is not valid")
        }
    }
}

extension TokenService {
    /// The fields of a token's header that decide which key verifies it.
    struct Header: Decodable {
        var alg: String?
        var kid: String?
    }

    /// The decoded header of a compact JWS, or `nil` when it is not one.
    static func header(of token: String) -> Header? {
        guard let first = token.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first else { return nil }
        var base64 = first.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let bytes = Data(base64Encoded: base64) else { return nil }
        return try? KitCoding.decode(Header.self, from: bytes)
    }
}

/// A refused token configuration.
public struct TokenServiceError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
