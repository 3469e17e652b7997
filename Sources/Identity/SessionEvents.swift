import Foundation
import StrataKit

/// A user signed in: a session with its first refresh token (stored only as a hash).
public struct SessionStarted: Event, Hashable {
    public static let eventType = "SessionStarted"
    public var sessionId: String
    public var userId: String
    public var refreshTokenHash: String
    public var expiresAt: Date

    public init(sessionId: String, userId: String, refreshTokenHash: String, expiresAt: Date) {
        self.sessionId = sessionId
        self.userId = userId
        self.refreshTokenHash = refreshTokenHash
        self.expiresAt = expiresAt
    }
}

/// A refresh token was exchanged for a new one; the previous one stops working.
public struct SessionRefreshed: Event, Hashable {
    public static let eventType = "SessionRefreshed"
    public var sessionId: String
    public var previousTokenHash: String
    public var refreshTokenHash: String
    public var expiresAt: Date

    public init(sessionId: String, previousTokenHash: String, refreshTokenHash: String, expiresAt: Date) {
        self.sessionId = sessionId
        self.previousTokenHash = previousTokenHash
        self.refreshTokenHash = refreshTokenHash
        self.expiresAt = expiresAt
    }
}

/// Why a session ended.
public enum RevocationReason: String, Codable, Sendable, Hashable {
    case signedOut = "signed_out"
    /// An already rotated refresh token was presented again: the session is assumed stolen.
    case reuseDetected = "reuse_detected"
    case userDeactivated = "user_deactivated"
    case userErased = "user_erased"
}

/// A session ended; none of its refresh tokens work any more.
public struct SessionRevoked: Event, Hashable {
    public static let eventType = "SessionRevoked"
    public var sessionId: String
    public var userId: String
    public var reason: RevocationReason

    public init(sessionId: String, userId: String, reason: RevocationReason) {
        self.sessionId = sessionId
        self.userId = userId
        self.reason = reason
    }
}
