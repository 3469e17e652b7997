import Foundation
import StrataKit
import StrataStore

/// Erasure by crypto-shredding: the event, then the key's destruction, finished after a crash.
extension IdentityService {
    /// The table of erasures whose key destruction has not finished: written with `UserErased`,
    /// emptied once the key is gone, so a crash in between is finished at the next start.
    static let pendingErasures = "shop.pendingErasures"

    /// Erases a user: releases their email, revokes their sessions and appends `UserErased`; then
    /// destroys their key and rewrites the key store compacted, so their personal data can no
    /// longer be read anywhere — log, read models, exports, or backups taken afterwards. The last
    /// active admin stays (``IdentityError/lastAdmin``).
    public func eraseUser(id: String, metadata: EventMetadata, followUp: CommandFollowUp? = nil) async throws -> CommandResult<Void> {
        let sessions = try sessionIds(of: id)
        let existingAdmins = try user(id: id)?.record.role == .admin ? adminsToStartRoster() : nil
        let pending = CommandFollowUp { _, transaction in
            try transaction.put(try transaction.table(named: Self.pendingErasures), key: Array(id.utf8), value: [])
        }
        let result = try await executor.execute(metadata: metadata, followUp: .sequence(pending, followUp)) { context in
            let user = try context.load(User.self, id: id)
            let events = try user.erase()
            guard !events.isEmpty else { return }
            if user.isActiveAdmin { try Self.updateRoster(in: context, userId: id, joining: false, existing: existingAdmins) }
            if let email = user.email { try context.release(Self.emailValue(email), from: id) }
            try context.append(events, to: User.self, id: id)
            for session in sessions {
                try context.append(try context.load(Session.self, id: session).revoke(.userErased), to: Session.self, id: session)
            }
        }
        try await finishErasure(of: id)
        // Cached views of the user hold what the destroyed key opened.
        invalidations.publish(.keys([IdentityViews.user.key(id), IdentityViews.userStatus.key(id)], position: result.position))
        return result
    }

    /// Destroys the key of an erased user and clears its pending row.
    func finishErasure(of id: String) async throws {
        try await keys.destroyKey(for: id)
        try await log.write { transaction in
            try transaction.delete(try transaction.table(named: Self.pendingErasures), key: Array(id.utf8))
        }
    }

    /// Finishes erasures that a crash interrupted after `UserErased` was committed.
    func finishPendingErasures() async throws {
        let pending = try await log.perform { transaction in
            let table = try transaction.table(named: Self.pendingErasures)
            var ids: [String] = []
            try transaction.scan(table) { key, _ in
                ids.append(String(decoding: key, as: UTF8.self))
                return true
            }
            return ids
        }.value
        for id in pending { try await finishErasure(of: id) }
    }
}
