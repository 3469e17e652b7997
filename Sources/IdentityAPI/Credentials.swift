import Crypto
import Foundation
import HummingbirdBcrypt
import NIOPosix

/// Password hashing and refresh tokens. bcrypt is slow on purpose, so it runs on NIO's thread
/// pool, never on the cooperative pool.
public struct Credentials: Sendable {
    /// The bcrypt cost (`STRATA_BCRYPT_COST`; low in tests).
    public let bcryptCost: UInt8
    /// A hash to verify against when the email is unknown, so both answers take as long.
    private let decoy: String

    public init(bcryptCost: UInt8 = 12) {
        self.bcryptCost = bcryptCost
        self.decoy = Bcrypt.hash("decoy password for unknown emails", cost: bcryptCost)
    }

    public func hash(_ password: String) async throws -> String {
        let cost = bcryptCost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    /// Whether `password` matches `hash`; with no hash, checks a decoy and answers `false`.
    public func verify(_ password: String, hash: String?) async throws -> Bool {
        let target = hash ?? decoy
        let matches = try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: target) }
        return matches && hash != nil
    }

    /// A new refresh token: 32 random bytes, base64url.
    public static func newRefreshToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// How refresh tokens are stored: the hex SHA-256 of the token.
    public static func tokenHash(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
