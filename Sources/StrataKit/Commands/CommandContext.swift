import StrataStore

/// What a command's decision sees and produces: it loads aggregates (recording the version each
/// was decided on), reserves unique values, and adds events per stream. The executor appends
/// everything it added atomically, each stream expected at the version that was loaded.
public final class CommandContext {
    let reader: any StoreReading
    let registry: EventRegistry
    let cache: AggregateCache
    /// Where long streams' states are stored, or `nil` to fold every stream from its start.
    let snapshots: AggregateSnapshots?
    /// Whether loaded states may be cached (only when read from committed data).
    let cacheable: Bool
    let hasher: UniqueValueHasher
    /// Who issued the command and for which request.
    public let metadata: EventMetadata

    private var loadedVersions: [String: UInt64] = [:]
    private var loadedStates: [String: any Aggregate] = [:]
    private var order: [String] = []
    private var pending: [String: [any Event]] = [:]
    private var guards: [String: ExpectedVersion] = [:]
    /// How many events of each loaded stream were folded from the log (not from the cache or a snapshot).
    private var folded: [String: UInt64] = [:]
    /// Each changed stream's state after its pending events, made with the append request.
    private var decidedStates: [String: any Aggregate] = [:]
    /// The snapshots the append request's events made due: stream id and stored record.
    private(set) var snapshotRecords: [(streamId: String, record: [UInt8])] = []
    /// The append request's events as decided, in the request's order.
    private(set) var decidedEvents: [any Event] = []

    init(
        reader: any StoreReading,
        registry: EventRegistry,
        cache: AggregateCache,
        snapshots: AggregateSnapshots?,
        cacheable: Bool,
        hasher: UniqueValueHasher,
        metadata: EventMetadata
    ) {
        self.reader = reader
        self.registry = registry
        self.cache = cache
        self.snapshots = snapshots
        self.cacheable = cacheable
        self.hasher = hasher
        self.metadata = metadata
    }

    /// The current state of aggregate `id` (the empty state when its stream has no events).
    public func load<A: Aggregate>(_ type: A.Type, id: String) throws -> A {
        try load(type, streamId: A.streamId(id))
    }

    func load<A: Aggregate>(_ type: A.Type, streamId: String) throws -> A {
        let current = try reader.streamVersion(streamId)
        var (state, version) = cache.get(A.self, streamId: streamId) ?? (A(), 0)
        if version > current { (state, version) = (A(), 0) }
        if let snapshots, current - version >= snapshots.every, let stored = try snapshot(A.self, streamId: streamId, snapshots: snapshots),
            stored.version > version, stored.version <= current
        {
            (state, version) = stored
        }
        let foldedNow = try A.fold(&state, streamId: streamId, from: &version, to: current, reading: reader, registry: registry)
        if cacheable && version > 0 { cache.put(state, version: version, streamId: streamId) }
        if loadedVersions[streamId] == nil {
            loadedVersions[streamId] = version
            loadedStates[streamId] = state
            folded[streamId] = foldedNow
        }
        return state
    }

    /// `streamId`'s stored snapshot, when `A` keeps them.
    private func snapshot<A: Aggregate>(_ type: A.Type, streamId: String, snapshots: AggregateSnapshots) throws -> (state: A, version: UInt64)? {
        guard let snapshotting = A.self as? any SnapshottingAggregate.Type else { return nil }
        return try read(snapshotting, streamId: streamId, snapshots: snapshots).flatMap { stored in
            (stored.state as? A).map { ($0, stored.version) }
        }
    }

    private func read<S: SnapshottingAggregate>(_ type: S.Type, streamId: String, snapshots: AggregateSnapshots) throws -> (state: any Aggregate, version: UInt64)? {
        try snapshots.read(S.self, streamId: streamId, from: reader, decoder: registry.makeDecoder()).map { ($0.state, $0.version) }
    }

    /// The empty state of aggregate `id`, which the caller has just named (a fresh random id), so
    /// nothing is read: its append expects no stream, which the store checks as it writes — on
    /// PostgreSQL by the log's unique key, sparing a round trip per new aggregate.
    public func startNew<A: Aggregate>(_ type: A.Type, id: String) -> A {
        let streamId = A.streamId(id)
        if let state = loadedStates[streamId] as? A { return state }
        loadedVersions[streamId] = 0
        loadedStates[streamId] = A()
        return A()
    }

    /// The stream version aggregate `id` was loaded at (0 before its first event), loading it now
    /// if needed: the version an `If-Match` is checked against.
    public func version<A: Aggregate>(of type: A.Type, id: String) throws -> UInt64 {
        let streamId = A.streamId(id)
        if loadedVersions[streamId] == nil { _ = try load(type, streamId: streamId) }
        return loadedVersions[streamId] ?? 0
    }

    /// Adds events to aggregate `id`'s stream. The stream is expected at the version it was
    /// loaded at (loaded now if it was not).
    public func append<A: Aggregate>(_ events: [any Event], to type: A.Type, id: String) throws {
        try append(events, streamId: A.streamId(id), as: type)
    }

    func append<A: Aggregate>(_ events: [any Event], streamId: String, as type: A.Type) throws {
        if loadedVersions[streamId] == nil { _ = try load(type, streamId: streamId) }
        if pending[streamId] == nil { order.append(streamId) }
        pending[streamId, default: []] += events
    }

    /// Makes the append fail with a conflict unless aggregate `id` is still at the version it was
    /// loaded at, without adding events to it (for decisions that read an aggregate they do not change).
    public func requireUnchanged<A: Aggregate>(_ type: A.Type, id: String) throws {
        let streamId = A.streamId(id)
        if loadedVersions[streamId] == nil { _ = try load(type, streamId: streamId) }
        if pending[streamId] == nil && guards[streamId] == nil { order.append(streamId) }
        guards[streamId] = .exact(loadedVersions[streamId] ?? 0)
    }

    /// Reserves `value` for `owner` in the same atomic append.
    ///
    /// - Throws: ``UniqueValueTaken`` when another owner holds it.
    public func reserve(_ value: UniqueValue, for owner: String) throws {
        let streamId = hasher.streamId(for: value)
        let reservation = try load(Reservation.self, streamId: streamId)
        if let holder = reservation.owner {
            guard holder == owner else { throw UniqueValueTaken(kind: value.kind, owner: holder) }
            return
        }
        try append([UniqueValueReserved(kind: value.kind, owner: owner)], streamId: streamId, as: Reservation.self)
    }

    /// Releases `value` if `owner` holds it, so it can be reserved again.
    public func release(_ value: UniqueValue, from owner: String) throws {
        let streamId = hasher.streamId(for: value)
        let reservation = try load(Reservation.self, streamId: streamId)
        guard reservation.owner == owner else { return }
        try append([UniqueValueReleased(kind: value.kind, owner: owner)], streamId: streamId, as: Reservation.self)
    }

    /// Who holds `value`, if anyone.
    public func holder(of value: UniqueValue) throws -> String? {
        try load(Reservation.self, streamId: hasher.streamId(for: value)).owner
    }

    /// Caches every aggregate the committed `result` changed at the version it reached, folded from
    /// the events just decided: the next command on it reads and decodes nothing.
    func cacheDecidedStates(_ result: AppendResult) {
        for stream in result.streams {
            guard let events = pending[stream.streamId], let state = decidedStates[stream.streamId],
                let loaded = loadedVersions[stream.streamId], loaded + UInt64(events.count) == stream.version
            else { continue }
            cache.put(state, version: stream.version, streamId: stream.streamId)
        }
    }

    /// The append request for everything added, or `nil` when nothing was. It also folds each
    /// changed stream's events into its state (for the cache, once committed) and makes the
    /// snapshots they make due (``snapshotRecords``, for the append's transaction).
    func appendRequest() throws -> AppendRequest? {
        var streams: [StreamAppend] = []
        decidedStates = [:]
        snapshotRecords = []
        decidedEvents = []
        let metadataBytes = metadata.jsonBytes
        for streamId in order {
            let decided = pending[streamId] ?? []
            let events = try decided.map { try registry.encode($0, metadataBytes: metadataBytes) }
            decidedEvents += decided
            let expected: ExpectedVersion = guards[streamId] ?? .exact(loadedVersions[streamId] ?? 0)
            streams.append(StreamAppend(streamId: streamId, expectedVersion: expected, events: events))
            guard !decided.isEmpty, var state = loadedStates[streamId], let loaded = loadedVersions[streamId] else { continue }
            for event in decided { state.apply(event) }
            decidedStates[streamId] = state
            let reached = loaded + UInt64(decided.count)
            if let snapshots, let snapshotting = state as? any SnapshottingAggregate,
                snapshots.isDue(loaded: loaded, reached: reached, folded: folded[streamId] ?? 0)
            {
                snapshotRecords.append((streamId, try snapshots.record(of: snapshotting, version: reached, encoder: registry.makeEncoder())))
            }
        }
        guard streams.contains(where: { !$0.events.isEmpty }) else { return nil }
        return AppendRequest(streams: streams)
    }
}
