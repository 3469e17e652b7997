import Foundation
import StrataKit
import StrataStore

/// Users: registration, renaming, deactivation, and the user queries.
extension IdentityService {
    /// Registers a user (the email is stored lower-cased); its key is created first.
    public func registerUser(
        id: String,
        name: String,
        email: String,
        role: Role,
        passwordHash: String,
        metadata: EventMetadata, followUp: CommandFollowUp? = nil
    ) async throws
        -> CommandResult<Void>
    {
        let email = Self.emailValue(email).value
        try await keys.createKey(for: id)
        let existingAdmins = role == .admin ? try adminsToStartRoster() : nil
        return try await executor.execute(metadata: metadata, followUp: followUp) { context in
            let events = try context.load(User.self, id: id).register(id: id, name: name, email: email, role: role, passwordHash: passwordHash)
            do {
                try context.reserve(Self.emailValue(email), for: id)
            } catch is UniqueValueTaken {
                throw IdentityError.emailTaken
            }
            try context.append(events, to: User.self, id: id)
            if role == .admin { try Self.updateRoster(in: context, userId: id, joining: true, existing: existingAdmins) }
        }
    }

    /// Renames a user.
    public func renameUser(id: String, name: String, metadata: EventMetadata, followUp: CommandFollowUp? = nil) async throws -> CommandResult<Void> {
        try await executor.execute(metadata: metadata, followUp: followUp) { context in
            try context.append(try context.load(User.self, id: id).rename(to: name), to: User.self, id: id)
        }
    }

    /// Deactivates a user and revokes their sessions; the last active admin stays
    /// (``IdentityError/lastAdmin``).
    public func deactivateUser(id: String, metadata: EventMetadata, followUp: CommandFollowUp? = nil) async throws -> CommandResult<Void> {
        let sessions = try sessionIds(of: id)
        let existingAdmins = try user(id: id)?.record.role == .admin ? adminsToStartRoster() : nil
        return try await executor.execute(metadata: metadata, followUp: followUp) { context in
            let user = try context.load(User.self, id: id)
            let events = try user.deactivate()
            guard !events.isEmpty else { return }
            if user.isActiveAdmin { try Self.updateRoster(in: context, userId: id, joining: false, existing: existingAdmins) }
            try context.append(events, to: User.self, id: id)
            for session in sessions {
                try context.append(try context.load(Session.self, id: session).revoke(.userDeactivated), to: Session.self, id: session)
            }
        }
    }
    /// A user by id, with the position the read model reflects.
    public func user(id: String, in reader: (any StoreReading)? = nil) throws -> (record: UserRecord, position: UInt64)? {
        try runner.read("users", in: reader) { reader in
            try reader.get(UserRecord.self, UsersProjection.byId, key: RowKeys.text(id)).map { ($0, reader.position) }
        }
    }
    /// The user registered with `email` now (exact, case-insensitive: an erased user's old email
    /// finds none), with the position the read model reflects; one read of the users' tables.
    public func user(email: String) throws -> (record: UserRecord?, position: UInt64) {
        try runner.read("users") { reader in
            guard let id = try reader.get(UsersProjection.byEmail, key: UsersProjection.emailKey(email, hasher: hasher)) else { return (nil, reader.position) }
            return (try reader.get(UserRecord.self, UsersProjection.byId, key: id), reader.position)
        }
    }
    /// Whether a caller may act: its user exists and is active, and its session (when its token
    /// names one) has not ended.
    public func mayAct(userId: String, sessionId: String?) throws -> Bool {
        guard try isActive(userId: userId) else { return false }
        guard let sessionId else { return true }
        return try !isRevoked(sessionId: sessionId)
    }

    /// Whether the user exists and is active, through the status cache (every authenticated request
    /// asks): the users projection drops the entry when the user's status may change.
    public func isActive(userId: String) throws -> Bool {
        let key = IdentityViews.userStatus.key(userId)
        if let active = statuses.lookup(key) { return active }
        guard let (record, position) = try user(id: userId) else { return false }
        let active = record.status == .active
        statuses.store(active, size: 1, position: position, for: key)
        return active
    }
    /// The user registered with `email`, looked up by its keyed hash.
    public func userId(forEmail email: String) throws -> String? {
        try runner.read("users") { reader in
            try reader.get(UsersProjection.byEmail, key: UsersProjection.emailKey(email, hasher: hasher)).map { String(decoding: $0, as: UTF8.self) }
        }
    }
    /// The bcrypt hash of a user's password (none once erased).
    public func passwordHash(userId: String) throws -> String? {
        try runner.read("users") { reader in
            try reader.get(UsersProjection.credentials, key: RowKeys.text(userId)).map { String(decoding: $0, as: UTF8.self) }
        }
    }
}
