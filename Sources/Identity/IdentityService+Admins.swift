import StrataKit
import StrataStore

/// The roster of active admins, kept in step with registrations, deactivations and erasures.
extension IdentityService {
    /// The active admins, read from the users' read model, when the roster has not been started
    /// yet (stores older than it); `nil` once it has. Every admin change after this read touches
    /// the roster, so a decision that finds it still unstarted can start it with this list.
    func adminsToStartRoster() throws -> [String]? {
        guard try log.streamVersion(AdminRoster.streamId(AdminRoster.id)) == 0 else { return nil }
        return try runner.read("users") { reader in
            var ids: [String] = []
            try reader.scan(UsersProjection.byId) { _, value in
                let record = try reader.decode(UserRecord.self, from: value)
                if record.role == .admin && record.status == .active { ids.append(record.id) }
                return true
            }
            return ids
        }
    }

    /// Adds to `context` what the roster needs when `user` joins (`joining`) or leaves the active
    /// admins; throws ``IdentityError/lastAdmin`` when the last one would leave.
    static func updateRoster(in context: CommandContext, userId: String, joining: Bool, existing: [String]?) throws {
        let roster = try context.load(AdminRoster.self, id: AdminRoster.id)
        var events = roster.start(with: existing ?? [])
        let started = AdminRoster.folding(events, from: roster)
        events += joining ? started.join(userId) : try started.leave(userId)
        try context.append(events, to: AdminRoster.self, id: AdminRoster.id)
    }
}

extension AdminRoster {
    /// `state` after `events`.
    static func folding(_ events: [any Event], from state: AdminRoster) -> AdminRoster {
        var state = state
        for event in events { state.apply(event) }
        return state
    }
}
