import Foundation
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

/// Issues and verifies short-lived HS256 access tokens. The key is the UTF-8 bytes of the secret,
/// which must be at least 32 bytes; tokens carry the key id `strata`, and one with another key id,
/// `alg: none`, a wrong signature or a past `exp` is refused.
public struct TokenService: Sendable {
    private let keys: JWTKeyCollection
    /// How long an access token lives.
    public let lifetime: Duration
    static let keyID: JWKIdentifier = "strata"

    /// - Throws: when the secret is shorter than 32 bytes.
    public init(secret: String, lifetime: Duration = .seconds(15 * 60)) async throws {
        guard secret.utf8.count >= 32 else {
            throw TokenServiceError("STRATA_JWT_SECRET must be at least 32 bytes; it is \(secret.utf8.count)")
        }
        keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256, kid: Self.keyID)
        self.lifetime = lifetime
    }

    /// A signed access token for `identity`, and its lifetime in seconds.
    public func issue(for identity: Identity, now: Date = Date()) async throws -> (token: String, expiresIn: Int) {
        let seconds = Int(lifetime.components.seconds)
        let claims = AccessClaims(
            sub: SubjectClaim(value: identity.userId),
            role: identity.role,
            exp: ExpirationClaim(value: now.addingTimeInterval(Double(seconds))),
            iat: IssuedAtClaim(value: now),
            jti: IDClaim(value: UUIDv7.make().uuidString.lowercased()),
            sid: identity.sessionId
        )
        return (try await keys.sign(claims, kid: Self.keyID), seconds)
    }

    /// The identity a token proves; throws 401 for any token that does not verify.
    public func verify(_ token: String) async throws -> Identity {
        do {
            let claims = try await keys.verify(token, as: AccessClaims.self)
            return Identity(userId: claims.sub.value, role: claims.role, sessionId: claims.sid)
        } catch {
            throw Problem.unauthorized("the bearer token is not valid")
        }
    }
}

/// A refused token configuration.
public struct TokenServiceError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
