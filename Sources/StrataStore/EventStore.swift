/// The one interface above the storage layer: an append-only log of events in streams, with a
/// global position, and the tables that projections and the kit write in the append's
/// transaction. It is made of roles — ``EventWriting``, ``EventReading``, ``HeadFeed`` — and the
/// store's ``StoreTraits``, so a part that only reads or only follows the head can ask for no
/// more. The LMDB `EventLog` and `PostgresEventStore` implement it and pass the store contract
/// suite; everything above the storage layer programs against these, never a concrete store.
public protocol EventStore: EventWriting, EventReading, HeadFeed {
    /// What the store is, fixed when it was opened: read-only, shared by several processes,
    /// decided on its writer first.
    var traits: StoreTraits { get }

    /// Whether the store can be reached now (an embedded store always can; a database server
    /// cannot while the connection to it is down). Readiness probes report it.
    var isReachable: Bool { get }

    /// Finishes queued writes, ends live subscriptions and closes the store. Call once, when no
    /// reads are running.
    func close()
}

/// Writing: appends, decisions inside the writer's transaction, and what runs at each commit.
public protocol EventWriting: AnyObject, Sendable {
    /// Appends one request atomically and returns once it is durable. Concurrent appends may share
    /// one commit; one request's failed expectation does not fail the others.
    ///
    /// - Throws: ``EventStoreError`` with ``EventStoreError/Code/conflict`` when an expectation
    ///   fails, ``EventStoreError/Code/invalidRequest``, ``EventStoreError/Code/storeFull``, or the
    ///   error an append hook or the request's `inTransaction` threw. Nothing is appended on error.
    func append(_ request: AppendRequest) async throws -> AppendResult

    /// Runs `body` inside the store's write transaction and returns its value once that commit is
    /// durable. `body` may read the log and tables as they are at that moment and append: a
    /// decision taken here cannot be overtaken by another writer. If `body` throws, everything it
    /// wrote vanishes and the error is rethrown.
    func perform<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> (value: T, committedHead: UInt64)

    /// Installs the hook run inside the write transaction after each append (replacing any other).
    /// A process has one: the app's projection runner.
    func setAppendHook(_ hook: (any AppendHook)?)

    /// Registers `observer` to hear of every durable commit (keep it quick).
    func onCommit(_ observer: @escaping @Sendable (CommitReport) -> Void)
}

/// Reading: consistent snapshots of the log and its tables. Async code reads through
/// ``offload(_:)``, which an embedded store runs inline and a database server on threads of its
/// own, so the cooperative pool never waits on the network.
public protocol EventReading: AnyObject, Sendable {
    /// Runs `body` with a consistent snapshot of the log and its tables.
    func withSnapshot<T>(_ body: (any StoreSnapshot) throws -> T) throws -> T

    /// The last durable position (0 when the log is empty).
    func headPosition() throws -> UInt64

    /// A table by name if it exists.
    func existingTable(named name: String) throws -> Table?

    /// The names of every table in the store (its own included), in byte order.
    func tableNames() throws -> [String]

    /// Counts and sizes of the store, for operators.
    func storeStatistics() throws -> StoreStatistics

    /// Checks the whole store in one snapshot (gapless positions, streams and indexes agreeing
    /// with the log), reporting up to `maximumFaults` faults rather than stopping at the first.
    func verify(maximumFaults: Int) throws -> VerificationReport

    /// Runs `reads` — synchronous reads of this store — where they may wait for it, and returns
    /// their value: at once for an embedded store (its reads never wait), on threads of the
    /// store's own for a database server (each read waits for a round trip).
    func offload<T: Sendable>(_ reads: @escaping @Sendable () throws -> T) async throws -> T
}

/// The head feed: where the log ends now, and what other processes sharing the store committed.
public protocol HeadFeed: AnyObject, Sendable {
    /// "The log now ends at N": the current head first, then each new head as commits land (or as
    /// a poll every `pollInterval` finds them, where the store cannot be told). Only the newest
    /// value is buffered.
    func headPositions(pollInterval: Duration) -> AsyncStream<UInt64>

    /// Registers `observer` to hear of commits that other processes sharing the store made, with
    /// the notes they left — before the head shows them — so that caches of this process can drop
    /// what those commits changed. Never called by a store that only this process writes.
    func onForeignCommits(_ observer: @escaping @Sendable (ForeignCommits) -> Void)
}

/// What a store is, as the parts above it must know: fixed when it is opened.
public struct StoreTraits: Sendable, Hashable {
    /// Opened only for reading: no appends, no writes.
    public var isReadOnly: Bool
    /// Other processes may write it at the same time (servers sharing one database): then what
    /// must hold across them (sign-in limits, leases) lives in the store.
    public var isShared: Bool
    /// Commands are best decided inside the writer's transaction from the start rather than
    /// optimistically on a snapshot first: true where a snapshot costs round trips to a server
    /// and the writer remembers what it read (PostgreSQL), false where snapshots are free (LMDB).
    public var prefersDecisionsOnTheWriter: Bool

    public init(isReadOnly: Bool, isShared: Bool, prefersDecisionsOnTheWriter: Bool) {
        self.isReadOnly = isReadOnly
        self.isShared = isShared
        self.prefersDecisionsOnTheWriter = prefersDecisionsOnTheWriter
    }

    /// An embedded store this process alone writes.
    public static func embedded(readOnly: Bool) -> StoreTraits {
        StoreTraits(isReadOnly: readOnly, isShared: false, prefersDecisionsOnTheWriter: false)
    }
}

extension EventStore {
    /// An embedded store is always reachable.
    public var isReachable: Bool { true }
}

extension HeadFeed {
    /// A store written by this process alone: no commit is foreign.
    public func onForeignCommits(_ observer: @escaping @Sendable (ForeignCommits) -> Void) {}

    /// Head notifications, polled every 200 ms where the store cannot tell.
    public func headPositions() -> AsyncStream<UInt64> {
        headPositions(pollInterval: .milliseconds(200))
    }
}

extension EventWriting {
    /// Runs `body` in a write transaction, sharing the next commit, and returns the head once
    /// that commit is durable: for writes of tables that are not appends.
    @discardableResult
    public func write(_ body: @escaping @Sendable (any StoreTransaction) throws -> Void) async throws -> UInt64 {
        try await perform(body).committedHead
    }
}

extension EventReading {
    /// An embedded store's reads never wait: run them here.
    public func offload<T: Sendable>(_ reads: @escaping @Sendable () throws -> T) async throws -> T {
        try reads()
    }

    /// Runs `body` with a snapshot where it may wait for the store (``offload(_:)``).
    public func read<T: Sendable>(_ body: @escaping @Sendable (any StoreSnapshot) throws -> T) async throws -> T {
        try await offload { [self] in try withSnapshot(body) }
    }

    /// Checks the whole store, reporting up to 1,000 faults.
    public func verify() throws -> VerificationReport {
        try verify(maximumFaults: 1000)
    }

    /// The current version of a stream (0 when it has no events).
    public func streamVersion(_ streamId: String) throws -> UInt64 {
        try withSnapshot { try $0.streamVersion(streamId) }
    }

    /// The event at `position`, or `nil`.
    public func event(at position: UInt64) throws -> RecordedEvent? {
        try withSnapshot { try $0.event(at: position) }
    }

    /// Up to `limit` events after `position` (forward) or before it (backward).
    public func readAll(after position: UInt64 = 0, direction: ScanDirection = .forward, limit: Int = .max) throws -> [RecordedEvent] {
        try withSnapshot { try $0.readAll(after: position, direction: direction, limit: limit) }
    }

    /// Up to `limit` events of one stream, forward from `version` (default 1) or backward from it
    /// (default: the last).
    public func readStream(
        _ streamId: String,
        from version: UInt64? = nil,
        direction: ScanDirection = .forward,
        limit: Int = .max
    ) throws -> [RecordedEvent] {
        try withSnapshot { try $0.readStream(streamId, from: version, direction: direction, limit: limit) }
    }

    /// Up to `limit` events of `type` after `position`.
    public func readByType(_ type: String, after position: UInt64 = 0, limit: Int = .max) throws -> [RecordedEvent] {
        try withSnapshot { try $0.readByType(type, after: position, limit: limit) }
    }
}

/// What one durable commit carried.
public struct CommitReport: Sendable {
    /// Requests that shared the commit.
    public var requests: Int
    /// Events it appended.
    public var events: Int
    /// The log's head after it.
    public var head: UInt64
    /// Time in the write transaction including the sync, in nanoseconds.
    public var nanoseconds: UInt64

    public init(requests: Int, events: Int, head: UInt64, nanoseconds: UInt64) {
        self.requests = requests
        self.events = events
        self.head = head
        self.nanoseconds = nanoseconds
    }
}

/// Counts and sizes of a store.
public struct StoreStatistics: Sendable, Hashable, Codable {
    public var events: Int
    public var streams: Int
    public var headPosition: UInt64
    /// Bytes the store takes on disk.
    public var fileSize: Int
    /// Bytes in use.
    public var usedBytes: Int
    /// The most the store may take now (LMDB: the map size); 0 when the store sets no limit of its
    /// own (PostgreSQL: the database server's disk).
    public var mapSize: Int

    public init(events: Int, streams: Int, headPosition: UInt64, fileSize: Int, usedBytes: Int, mapSize: Int) {
        self.events = events
        self.streams = streams
        self.headPosition = headPosition
        self.fileSize = fileSize
        self.usedBytes = usedBytes
        self.mapSize = mapSize
    }
}
