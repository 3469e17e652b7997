import StrataStore

/// Snapshots of aggregates on long streams, in the kit's `kit.snapshots` table (key: the stream
/// id; value: a `SnapshotRecord`), so that the first command on a stream of a million events
/// reads one row and the few events after it instead of folding them all.
///
/// A snapshot is written in the same transaction as the events that make it due — they take the
/// stream across a multiple of ``every``, or the decision had to fold at least ``every`` events
/// from the log — so it never reflects anything uncommitted. A snapshot made by another shape
/// (``SnapshottingAggregate/snapshotVersion``), for another category or under other upcasters,
/// or one that does not decode, is ignored: the events are the truth, the snapshot a shortcut.
public struct AggregateSnapshots: Sendable {
    /// The table's name, owned by the kit.
    public static let tableName = "kit.snapshots"
    static let table = KitTable(name: tableName)

    /// How many events apart a stream's snapshots are at most (at least 1).
    public let every: UInt64
    let store: any EventStore
    let upcasts: UInt64

    /// Snapshots of `store`'s aggregates every `every` events, for states folded by `registry`'s events.
    public init(every: UInt64 = 1000, store: any EventStore, registry: EventRegistry) {
        self.every = max(1, every)
        self.store = store
        self.upcasts = registry.upcastFingerprint
    }

    /// Whether a decision that loaded a stream at version `loaded`, having folded `folded` of its
    /// events from the log, and appends up to version `reached` should store the state it reaches.
    func isDue(loaded: UInt64, reached: UInt64, folded: UInt64) -> Bool {
        reached / every > loaded / every || folded >= every
    }

    /// What a snapshot of `A` made now is stamped with besides its shape's version.
    func fingerprint<A: SnapshottingAggregate>(of type: A.Type) -> UInt64 {
        StableHash.fnv1a(A.category) ^ upcasts
    }

    /// The stored snapshot of `streamId` as an `A` and the stream version it reflects, or `nil`
    /// when there is none this process can use.
    ///
    /// - Throws: only when the store cannot be read.
    func read<A: SnapshottingAggregate>(
        _ type: A.Type,
        streamId: String,
        from reader: any StoreReading,
        decoder: JSONByteDecoder
    ) throws -> (state: A, version: UInt64)? {
        guard let bytes = try Self.table.get(Array(streamId.utf8), from: reader, in: store),
            let record = SnapshotRecord(bytes),
            record.snapshotVersion == A.snapshotVersion, record.fingerprint == fingerprint(of: A.self),
            let state = try? decoder.decode(A.self, from: record.state)
        else { return nil }
        return (state, record.streamVersion)
    }

    /// The stored form of `state` at stream version `version`.
    func record<A: SnapshottingAggregate>(of state: A, version: UInt64, encoder: JSONByteEncoder) throws -> [UInt8] {
        SnapshotRecord(
            snapshotVersion: A.snapshotVersion,
            fingerprint: fingerprint(of: A.self),
            streamVersion: version,
            state: try encoder.encode(state)
        ).encoded
    }

    /// Stores `record` as `streamId`'s snapshot in `transaction`, replacing the one before.
    static func write(_ record: [UInt8], streamId: String, in transaction: any StoreTransaction) throws {
        try transaction.put(try table.open(in: transaction), key: Array(streamId.utf8), value: record)
    }

    /// Stores each of `records` (stream id and record) in `transaction`.
    static func write(_ records: [(streamId: String, record: [UInt8])], in transaction: any StoreTransaction) throws {
        for (streamId, record) in records { try write(record, streamId: streamId, in: transaction) }
    }

    /// How many snapshots are stored, for `strata-admin stats`.
    public static func count(in reader: any StoreReading, store: any EventStore) throws -> Int {
        guard let table = try table.find(for: reader, in: store) else { return 0 }
        return try reader.count(table)
    }

    /// Removes every snapshot (`strata-replay --snapshots drop`): commands fold their streams
    /// again and store new ones as they go.
    public static func dropAll(in transaction: any StoreTransaction) throws {
        try transaction.clear(try table.open(in: transaction))
    }

    /// Stores a fresh snapshot of every stream of `A` at least ``every`` events long, folded
    /// from the log through `registry` (`strata-replay --snapshots rebuild`). Returns how many.
    public func rebuild<A: SnapshottingAggregate>(_ type: A.Type, registry: EventRegistry, in transaction: any StoreTransaction) throws -> Int {
        var written = 0
        var after: String?
        let encoder = registry.makeEncoder()
        while true {
            let streams = try transaction.streams(prefix: A.category + "-", after: after, limit: 1000)
            guard let last = streams.last else { return written }
            after = last.streamId
            for stream in streams where stream.version >= every {
                var state = A()
                var version: UInt64 = 0
                _ = try A.fold(&state, streamId: stream.streamId, from: &version, to: stream.version, reading: transaction, registry: registry)
                try Self.write(try record(of: state, version: version, encoder: encoder), streamId: stream.streamId, in: transaction)
                written += 1
            }
        }
    }
}
