import Foundation
import StrataKit
import StrataStore

/// Sessions: sign-in, refresh-token rotation with reuse detection, sign-out.
extension IdentityService {
    /// Starts a session for an active user.
    public func startSession(
        id: String,
        userId: String,
        refreshTokenHash: String,
        expiresAt: Date,
        metadata: EventMetadata, followUp: CommandFollowUp? = nil
    ) async throws
        -> CommandResult<Void>
    {
        try await executor.execute(metadata: metadata, followUp: followUp) { context in
            guard try context.load(User.self, id: userId).canSignIn else { throw IdentityError.invalidSession }
            try context.requireUnchanged(User.self, id: userId)
            let events = try context.load(Session.self, id: id).start(
                id: id,
                userId: userId,
                refreshTokenHash: refreshTokenHash,
                expiresAt: expiresAt
            )
            try context.append(events, to: Session.self, id: id)
        }
    }

    /// Exchanges a refresh token for a new one. A token already rotated revokes the whole session;
    /// like every other invalid token it is refused with ``IdentityError/invalidSession``.
    public func refreshSession(
        presentedHash: String,
        newHash: String,
        expiresAt: Date,
        now: Date = Date(),
        metadata: EventMetadata, followUp: CommandFollowUp? = nil
    ) async throws
        -> CommandResult<SessionRecord>
    {
        guard let record = try session(tokenHash: presentedHash) else { throw IdentityError.invalidSession }
        // A reused token revokes the session and is refused: only a rotation is followed up.
        let result = try await executor.execute(metadata: metadata, followUp: { rotated in rotated ? followUp : nil }) { context -> Bool in
            let session = try context.load(Session.self, id: record.sessionId)
            let active = try context.load(User.self, id: record.userId).canSignIn
            switch session.refresh(presentedHash: presentedHash, newHash: newHash, newExpiresAt: expiresAt, now: now, userActive: active) {
            case .rotate(let events):
                try context.append(events, to: Session.self, id: record.sessionId)
                return true
            case .revokeForReuse(let events):
                try context.append(events, to: Session.self, id: record.sessionId)
                return false
            case .refuse:
                throw IdentityError.invalidSession
            }
        }
        guard result.value else { throw IdentityError.invalidSession }
        return CommandResult(
            value: SessionRecord(sessionId: record.sessionId, userId: record.userId, state: .current),
            append: result.append,
            position: result.position
        )
    }

    /// Ends a session (signing out).
    public func revokeSession(id: String, reason: RevocationReason, metadata: EventMetadata, followUp: CommandFollowUp? = nil) async throws -> CommandResult<Void> {
        try await executor.execute(metadata: metadata, followUp: followUp) { context in
            try context.append(try context.load(Session.self, id: id).revoke(reason), to: Session.self, id: id)
        }
    }
    /// Where a refresh-token hash leads.
    public func session(tokenHash: String) throws -> SessionRecord? {
        try runner.read("sessions") { try $0.get(SessionRecord.self, "byTokenHash", key: RowKeys.text(tokenHash)) }
    }
    /// The ids of a user's sessions.
    public func sessionIds(of userId: String) throws -> [String] {
        try runner.read("sessions") { reader in
            var ids: [String] = []
            let prefix = RowKeys.pair(userId, [])
            try reader.scan(SessionsProjection.byUser, from: prefix) { key, _ in
                guard key.starts(with: prefix) else { return false }
                ids.append(String(decoding: key.dropFirst(prefix.count), as: UTF8.self))
                return true
            }
            return ids
        }
    }

    /// Whether session `id` has ended (signed out, revoked for a reused token, its user
    /// deactivated or erased), through the status cache: every authenticated request asks.
    public func isRevoked(sessionId id: String) throws -> Bool {
        let key = IdentityViews.sessionStatus.key(id)
        if let revoked = statuses.lookup(key) { return revoked }
        let (revoked, position) = try runner.read("sessions") { reader in
            (try reader.get(SessionsProjection.revoked, key: RowKeys.text(id)) != nil, reader.position)
        }
        statuses.store(revoked, size: 1, position: position, for: key)
        return revoked
    }
}
