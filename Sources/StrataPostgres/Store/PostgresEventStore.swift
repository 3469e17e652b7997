import Foundation
import Logging
import PostgresNIO
import StrataStore
import Synchronization

/// The event store in PostgreSQL, for deployments where several servers share one database.
///
/// Writes run on one writer thread per process with group commit, as with LMDB: the requests
/// queued meanwhile share one transaction that first locks the single `strata_head` row, decides
/// and appends with that lock held, sends everything in one statement and updates the head last.
/// The lock orders commits across every server, so positions are gapless and become visible in
/// order: a follower reading past its checkpoint can never pass an event that commits late.
/// Snapshots are repeatable-read transactions on the connections of one `PostgresClient`. Other servers' commits arrive by
/// LISTEN/NOTIFY, with a poll as fallback.
public final class PostgresEventStore: EventStore, @unchecked Sendable {
    /// The database.
    public let url: PostgresURL
    public let configuration: PostgresStoreConfiguration
    /// Read-only or shared as configured; decided on the writer, which remembers what it read, since
    /// each snapshot read is a round trip.
    public var traits: StoreTraits {
        StoreTraits(isReadOnly: configuration.access == .readOnly, isShared: configuration.access == .shared, prefersDecisionsOnTheWriter: true)
    }
    var isReadOnly: Bool { traits.isReadOnly }
    let logger: Logger
    /// The pooled connections for everything but the writer and the listener.
    let reads: ReadClient
    let notifier = HeadNotifier()
    let head: Atomic<UInt64>
    let reachable = Atomic<Bool>(true)
    let hookBox = Mutex<(any AppendHook)?>(nil)
    let commitObservers = Mutex<[@Sendable (CommitReport) -> Void]>([])
    let foreignObservers = Mutex<[@Sendable (ForeignCommits) -> Void]>([])
    /// The write transactions this process has accounted for: its own, and others' whose notes
    /// its foreign observers have heard (``observeForeign(through:head:notes:)``).
    let accountedCommits: Atomic<Int64>
    /// The head this process's writer is committing: its own notification or a poll may show it
    /// before the commit is answered, and must not be taken for another's.
    let committingHead = Atomic<UInt64>(0)
    /// Table ids by name, as committed.
    let tableIds = Mutex<[String: Int32]>([:])
    /// Where reads from async code wait for their round trips, off the cooperative pool.
    private let readerThreads = DispatchQueue(label: "strata.postgres.readers", qos: .userInitiated, attributes: .concurrent)
    private(set) var writer: LogWriter?
    /// The writer thread's connection; replaced when it breaks (writer thread only).
    var writerConnection: BlockingConnection?
    /// What the writer knows of the committed database (writer thread only).
    let writerCache = WriterCache()
    /// The writer connection's own event loop, made with its first connection: its round trips,
    /// all under the head lock, never wait behind the HTTP connections on the shared loops.
    var writerLoop: MultiThreadedEventLoopGroup?
    private var watcher: HeadWatcher?

    /// Names the log keeps for itself, as the LMDB store does: not writable as tables.
    static let reservedTables: Set<String> = ["events", "streams", "heads", "types", "typeTails", "meta"]

    private init(url: PostgresURL, configuration: PostgresStoreConfiguration, head: UInt64, commits: Int64, tables: [String: Int32]) throws {
        self.url = url
        self.configuration = configuration
        self.logger = configuration.logger
        self.reads = try ReadClient(url: url, snapshots: configuration.readConnections, logger: configuration.logger)
        self.head = Atomic(head)
        self.accountedCommits = Atomic(commits)
        self.tableIds.withLock { $0 = tables }
    }

    /// Connects, creates or migrates the schema (not when read-only), takes the database in the
    /// configured access, and starts the writer and the listener.
    ///
    /// - Throws: ``EventStoreError/Code/unavailable`` naming host and database when the server
    ///   cannot be reached; ``EventStoreError/Code/locked`` when the access is refused;
    ///   ``EventStoreError/Code/incompatibleFormat`` for a schema newer than this code.
    public static func open(url: PostgresURL, configuration: PostgresStoreConfiguration = PostgresStoreConfiguration()) throws -> PostgresEventStore {
        let presence = try BlockingConnection.connect(to: url, logger: configuration.logger)
        do {
            if configuration.access == .readOnly {
                try checkSchema(presence, url: url)
            } else {
                try Schema.migrate(presence)
            }
            try takeAccess(configuration.access, on: presence, url: url)
            guard let row = try presence.query("SELECT position, commits FROM strata_head WHERE id = 1").first(where: { _ in true }) else {
                throw EventStoreError(.storage, "strata_head has no row")
            }
            let (position, commits) = try row.decode((Int64, Int64).self)
            let head = UInt64(position)
            var tables: [String: Int32] = [:]
            for row in try presence.query("SELECT name, id FROM strata_tables") {
                let (name, id) = try row.decode((String, Int32).self)
                tables[name] = id
            }
            let store = try PostgresEventStore(url: url, configuration: configuration, head: head, commits: commits, tables: tables)
            if configuration.access != .readOnly { store.startWriter() }
            store.watcher = HeadWatcher(store: store, presence: presence.connection)
            store.watcher?.start()
            return store
        } catch {
            presence.close()
            throw error
        }
    }

    private static func checkSchema(_ connection: BlockingConnection, url: PostgresURL) throws {
        let rows = try connection.query("SELECT count(*) FROM pg_tables WHERE tablename = 'strata_schema' AND schemaname = current_schema()")
        let found = try rows.map { try $0.decode(Int64.self) }.first ?? 0
        guard found > 0 else { throw EventStoreError(.storage, "\(url) holds no Strata store") }
        for row in try connection.query("SELECT version FROM strata_schema") {
            let version = try row.decode(Int.self)
            guard version <= Schema.version else {
                throw EventStoreError(.incompatibleFormat, "the database has schema version \(version); this Strata reads up to \(Schema.version)")
            }
        }
    }

    /// Takes the online lock as `access` asks, on the connection that lives as long as the store
    /// (a session lock vanishes with its connection, so a killed process holds nothing).
    static func takeAccess(_ access: PostgresStoreConfiguration.Access, on connection: BlockingConnection, url: PostgresURL) throws {
        let statement: String
        let refusal: String
        switch access {
        case .readOnly:
            return
        case .shared:
            statement = "SELECT pg_try_advisory_lock_shared(\(Schema.onlineLock))"
            refusal = "\(url) is held by an offline tool (strata-replay); try again when it has finished"
        case .exclusive:
            statement = "SELECT pg_try_advisory_lock(\(Schema.onlineLock))"
            refusal = "\(url) is in use by a running strata-server; stop every server first, or rebuild online through the API"
        }
        // A holder that has just closed lets go when its backend ends, a moment after: ask a few times.
        for attempt in 0..<20 {
            let rows = try connection.query(statement)
            if try rows.map({ try $0.decode(Bool.self) }).first == true { return }
            if attempt < 19 { Thread.sleep(forTimeInterval: 0.1) }
        }
        throw EventStoreError(.locked, refusal)
    }

    private func startWriter() {
        var commitBatch: ([WriterJob]) -> Void = { _ in }
        let writer = LogWriter(
            maximumBatchRequests: configuration.maximumBatchRequests,
            maximumBatchBytes: configuration.maximumBatchBytes,
            commit: { commitBatch($0) }
        )
        commitBatch = { [unowned self] batch in self.commit(batch) }
        self.writer = writer
        writer.start(name: "strata-pg-writer")
    }

    /// Finishes queued writes, stops the writer and the listener, ends live subscriptions and
    /// closes every connection.
    public func close() {
        writer?.stop()
        writerConnection?.close()
        writerConnection = nil
        try? writerLoop?.syncShutdownGracefully()
        writerLoop = nil
        watcher?.stop()
        notifier.finishAll()
        reads.close()
    }

    // MARK: Writing

    public func append(_ request: AppendRequest) async throws -> AppendResult {
        guard let writer else { throw EventStoreError.readOnly }
        return try await writer.append(request)
    }

    public func perform<T: Sendable>(_ body: @escaping @Sendable (any StoreTransaction) throws -> T) async throws -> (value: T, committedHead: UInt64) {
        guard let writer else { throw EventStoreError.readOnly }
        return try await writer.perform(body)
    }

    public func setAppendHook(_ hook: (any AppendHook)?) {
        hookBox.withLock { $0 = hook }
    }

    public func onCommit(_ observer: @escaping @Sendable (CommitReport) -> Void) {
        commitObservers.withLock { $0.append(observer) }
    }

    public func onForeignCommits(_ observer: @escaping @Sendable (ForeignCommits) -> Void) {
        foreignObservers.withLock { $0.append(observer) }
    }

    // MARK: Reading

    /// Runs `reads` on the store's reader threads (a concurrent queue; the read client bounds
    /// how many snapshots are open at once).
    public func offload<T: Sendable>(_ reads: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            readerThreads.async { continuation.resume(with: Result { try reads() }) }
        }
    }

    /// The newest head this process knows: its own commits at once, other servers' within a
    /// notification or a poll.
    public func headPosition() throws -> UInt64 {
        head.load(ordering: .acquiring)
    }

    public func withSnapshot<T>(_ body: (any StoreSnapshot) throws -> T) throws -> T {
        try reads.withSnapshotConnection { connection in
            try connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            do {
                let value = try body(PostgresSnapshot(reader: PostgresLogReader(connection: connection)))
                connection.send("COMMIT")
                return value
            } catch {
                connection.send("ROLLBACK")
                throw error
            }
        }
    }

    /// Head notifications: this process's commits at once, other servers' by LISTEN/NOTIFY or
    /// the store's own poll (``PostgresStoreConfiguration/pollInterval``).
    public func headPositions(pollInterval: Duration) -> AsyncStream<UInt64> {
        notifier.subscribe(current: head.load(ordering: .acquiring))
    }

    /// Whether the database answered the last time the store asked.
    public var isReachable: Bool { reachable.load(ordering: .acquiring) }
}
