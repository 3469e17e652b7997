import Foundation
import StrataKit

/// A sign-in session with rotating refresh tokens and reuse detection.
public struct Session: Aggregate, Hashable {
    public static let category = "session"
    public var id: String?
    public var userId: String?
    public var currentTokenHash: String?
    public var rotatedTokenHashes: Set<String> = []
    public var expiresAt: Date?
    public var revoked: RevocationReason?

    public init() {}

    public mutating func apply(_ event: any Event) {
        switch event {
        case let started as SessionStarted:
            id = started.sessionId
            userId = started.userId
            currentTokenHash = started.refreshTokenHash
            expiresAt = started.expiresAt
        case let refreshed as SessionRefreshed:
            rotatedTokenHashes.insert(refreshed.previousTokenHash)
            currentTokenHash = refreshed.refreshTokenHash
            expiresAt = refreshed.expiresAt
        case let revoked as SessionRevoked:
            self.revoked = revoked.reason
        default:
            break
        }
    }

    /// Starts the session.
    public func start(id: String, userId: String, refreshTokenHash: String, expiresAt: Date) throws(IdentityError) -> [any Event] {
        guard self.id == nil else { throw .alreadyExists }
        return [SessionStarted(sessionId: id, userId: userId, refreshTokenHash: refreshTokenHash, expiresAt: expiresAt)]
    }

    /// What presenting a refresh token leads to.
    public enum RefreshDecision: Sendable, Hashable {
        /// The token was current: it is replaced by the new one.
        case rotate([SessionRefreshed])
        /// The token was already rotated: the whole session is revoked and the caller refused.
        case revokeForReuse([SessionRevoked])
        /// The token is not valid (expired, revoked, unknown): refused, nothing changes.
        case refuse
    }

    /// Decides what presenting `presentedHash` at `now` does, rotating to `newHash`.
    public func refresh(presentedHash: String, newHash: String, newExpiresAt: Date, now: Date, userActive: Bool) -> RefreshDecision {
        guard let id, let userId, revoked == nil else { return .refuse }
        if rotatedTokenHashes.contains(presentedHash) {
            return .revokeForReuse([SessionRevoked(sessionId: id, userId: userId, reason: .reuseDetected)])
        }
        guard presentedHash == currentTokenHash, let expiresAt, expiresAt > now, userActive else { return .refuse }
        return .rotate([SessionRefreshed(sessionId: id, previousTokenHash: presentedHash, refreshTokenHash: newHash, expiresAt: newExpiresAt)])
    }

    /// Ends the session; revoking again changes nothing.
    public func revoke(_ reason: RevocationReason) -> [any Event] {
        guard let id, let userId, revoked == nil else { return [] }
        return [SessionRevoked(sessionId: id, userId: userId, reason: reason)]
    }
}
