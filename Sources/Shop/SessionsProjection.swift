import StrataKit

/// Sessions by refresh-token hash (current, rotated or revoked), and session ids by user.
public struct SessionsProjection: Projection {
    public let name = "sessions"
    public let version = 1
    public let mode = ProjectionMode.inline
    public let eventTypes: Set<String> = [SessionStarted.eventType, SessionRefreshed.eventType, SessionRevoked.eventType]
    public static let byTokenHash: ReadModelTable = "byTokenHash"
    public static let byUser: ReadModelTable = "byUser"
    public let tables: [ReadModelTable] = [byTokenHash, byUser]
    public let views: Set<ViewName> = []

    public init() {}

    public func apply(_ envelope: Envelope, to store: ProjectionStore) throws {
        switch envelope.event {
        case let started as SessionStarted:
            try store.put(
                SessionRecord(sessionId: started.sessionId, userId: started.userId, state: .current),
                Self.byTokenHash,
                key: Keys.text(started.refreshTokenHash)
            )
            try store.put(Self.byUser, key: Keys.pair(started.userId, Keys.text(started.sessionId)), value: [])
            try store.put(Self.byUser, key: Keys.pair("hash:" + started.sessionId, Keys.text(started.refreshTokenHash)), value: [])
        case let refreshed as SessionRefreshed:
            try setState(.rotated, hash: refreshed.previousTokenHash, store)
            guard let previous = try store.get(SessionRecord.self, Self.byTokenHash, key: Keys.text(refreshed.previousTokenHash)) else { return }
            try store.put(
                SessionRecord(sessionId: refreshed.sessionId, userId: previous.userId, state: .current),
                Self.byTokenHash,
                key: Keys.text(refreshed.refreshTokenHash)
            )
            try store.put(Self.byUser, key: Keys.pair("hash:" + refreshed.sessionId, Keys.text(refreshed.refreshTokenHash)), value: [])
        case let revoked as SessionRevoked:
            var hashes: [[UInt8]] = []
            let prefix = Keys.pair("hash:" + revoked.sessionId, [])
            try store.scan(Self.byUser, from: prefix) { key, _ in
                guard key.starts(with: prefix) else { return false }
                hashes.append(Array(key.dropFirst(prefix.count)))
                return true
            }
            for hash in hashes { try setState(.revoked, hashKey: hash, store) }
        default:
            break
        }
    }

    private func setState(_ state: SessionRecord.TokenState, hash: String, _ store: ProjectionStore) throws {
        try setState(state, hashKey: Keys.text(hash), store)
    }

    private func setState(_ state: SessionRecord.TokenState, hashKey: [UInt8], _ store: ProjectionStore) throws {
        guard var record = try store.get(SessionRecord.self, Self.byTokenHash, key: hashKey) else { return }
        record.state = state
        try store.put(record, Self.byTokenHash, key: hashKey)
    }
}
