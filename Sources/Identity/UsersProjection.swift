import StrataKit

/// Users by id (personal fields sealed), user ids by the keyed hash of their email, and password
/// hashes by user id. Inline: sign-up uniqueness and sign-in read it.
public struct UsersProjection: Projection {
    public let name = "users"
    public let version = 1
    public let mode = ProjectionMode.inline
    public let eventTypes: Set<String> = [UserRegistered.eventType, UserRenamed.eventType, UserDeactivated.eventType, UserErased.eventType]
    public static let byId: ReadModelTable = "byId"
    public static let byEmail: ReadModelTable = "byEmail"
    public static let credentials: ReadModelTable = "credentials"
    public let tables: [ReadModelTable] = [byId, byEmail, credentials]
    public let views: Set<ViewName> = [IdentityViews.user, IdentityViews.userStatus]
    let hasher: UniqueValueHasher

    public init(hasher: UniqueValueHasher) {
        self.hasher = hasher
    }

    /// The lookup key of an email: its keyed hash, never the address.
    static func emailKey(_ email: String, hasher: UniqueValueHasher) -> [UInt8] {
        RowKeys.text(hasher.hash(IdentityService.emailValue(email)))
    }

    public func apply(_ envelope: Envelope, to store: ProjectionStore) throws {
        switch envelope.event {
        case let registered as UserRegistered:
            let record = UserRecord(
                id: registered.userId,
                name: registered.name,
                email: registered.email,
                role: registered.role,
                status: .active,
                createdAt: envelope.recordedAt,
                version: envelope.streamVersion
            )
            try store.put(record, Self.byId, key: RowKeys.text(registered.userId))
            if let email = registered.email.value {
                try store.put(Self.byEmail, key: Self.emailKey(email, hasher: hasher), value: RowKeys.text(registered.userId))
            }
            try store.put(Self.credentials, key: RowKeys.text(registered.userId), value: RowKeys.text(registered.passwordHash))
            store.changed(IdentityViews.user.key(registered.userId))
            store.changed(IdentityViews.userStatus.key(registered.userId))
        case let renamed as UserRenamed:
            try update(renamed.userId, envelope, store) { $0.name = renamed.name }
        case let deactivated as UserDeactivated:
            try update(deactivated.userId, envelope, store) { $0.status = .deactivated }
        case let erased as UserErased:
            if let record = try store.get(UserRecord.self, Self.byId, key: RowKeys.text(erased.userId)), let email = record.email.value {
                try store.delete(Self.byEmail, key: Self.emailKey(email, hasher: hasher))
            }
            try store.delete(Self.credentials, key: RowKeys.text(erased.userId))
            try update(erased.userId, envelope, store) { record in
                record.status = .erased
                record.name.value = nil
                record.email.value = nil
            }
        default:
            break
        }
    }

    private func update(_ userId: String, _ envelope: Envelope, _ store: ProjectionStore, _ change: (inout UserRecord) -> Void) throws {
        guard var record = try store.get(UserRecord.self, Self.byId, key: RowKeys.text(userId)) else { return }
        change(&record)
        record.version = envelope.streamVersion
        try store.put(record, Self.byId, key: RowKeys.text(userId))
        store.changed(IdentityViews.user.key(userId))
        store.changed(IdentityViews.userStatus.key(userId))
    }
}
