import StrataKit

/// Sessions by refresh-token hash (current, rotated or revoked), session ids by user, and the
/// sessions that ended (so that their access tokens are refused at once).
public struct SessionsProjection: Projection {
    public let name = "sessions"
    /// 2: the `revoked` table.
    public let version = 2
    public let mode = ProjectionMode.inline
    public let eventTypes: Set<String> = [SessionStarted.eventType, SessionRefreshed.eventType, SessionRevoked.eventType]
    public static let byTokenHash: ReadModelTable = "byTokenHash"
    public static let byUser: ReadModelTable = "byUser"
    /// Session id → nothing: the session ended (signed out, reused token, deactivation, erasure).
    public static let revoked: ReadModelTable = "revoked"
    public let tables: [ReadModelTable] = [byTokenHash, byUser, revoked]
    public let views: Set<ViewName> = [IdentityViews.sessionStatus]

    public init() {}

    public func apply(_ envelope: Envelope, to store: ProjectionStore) throws {
        switch envelope.event {
        case let started as SessionStarted:
            try store.put(
                SessionRecord(sessionId: started.sessionId, userId: started.userId, state: .current),
                Self.byTokenHash,
                key: RowKeys.text(started.refreshTokenHash)
            )
            try store.put(Self.byUser, key: RowKeys.pair(started.userId, RowKeys.text(started.sessionId)), value: [])
            try store.put(Self.byUser, key: RowKeys.pair("hash:" + started.sessionId, RowKeys.text(started.refreshTokenHash)), value: [])
        case let refreshed as SessionRefreshed:
            try setState(.rotated, hash: refreshed.previousTokenHash, store)
            guard let previous = try store.get(SessionRecord.self, Self.byTokenHash, key: RowKeys.text(refreshed.previousTokenHash)) else { return }
            try store.put(
                SessionRecord(sessionId: refreshed.sessionId, userId: previous.userId, state: .current),
                Self.byTokenHash,
                key: RowKeys.text(refreshed.refreshTokenHash)
            )
            try store.put(Self.byUser, key: RowKeys.pair("hash:" + refreshed.sessionId, RowKeys.text(refreshed.refreshTokenHash)), value: [])
        case let revoked as SessionRevoked:
            var hashes: [[UInt8]] = []
            let prefix = RowKeys.pair("hash:" + revoked.sessionId, [])
            try store.scan(Self.byUser, from: prefix) { key, _ in
                guard key.starts(with: prefix) else { return false }
                hashes.append(Array(key.dropFirst(prefix.count)))
                return true
            }
            for hash in hashes { try setState(.revoked, hashKey: hash, store) }
            try store.put(Self.revoked, key: RowKeys.text(revoked.sessionId), value: [])
            store.changed(IdentityViews.sessionStatus.key(revoked.sessionId))
        default:
            break
        }
    }

    private func setState(_ state: SessionRecord.TokenState, hash: String, _ store: ProjectionStore) throws {
        try setState(state, hashKey: RowKeys.text(hash), store)
    }

    private func setState(_ state: SessionRecord.TokenState, hashKey: [UInt8], _ store: ProjectionStore) throws {
        guard var record = try store.get(SessionRecord.self, Self.byTokenHash, key: hashKey) else { return }
        record.state = state
        try store.put(record, Self.byTokenHash, key: hashKey)
    }
}
