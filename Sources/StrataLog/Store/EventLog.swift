import Foundation
import LMDB
import Logging
import StrataStore
import Synchronization

/// The append-only event log, stored in one LMDB environment in a data directory.
///
/// Opened for writing (``open(directory:configuration:)``), it holds the directory's exclusive
/// lock and runs every write transaction on one dedicated writer thread with group commit: appends
/// from many tasks share one transaction and one fsync, and each caller resumes only once its
/// events are durable. Opened read-only (``openReadOnly(directory:)``), it takes no lock and can
/// sit beside a running writer. Reads never block on the writer.
public final class EventLog: EventStore {
    /// The data directory.
    public let directory: String
    /// Whether this log was opened read-only.
    /// Embedded: written by this process alone, decided optimistically on free snapshots.
    public let traits: StoreTraits
    var isReadOnly: Bool { traits.isReadOnly }
    let environment: Environment
    let tables: LogTables
    let configuration: EventLogConfiguration
    private let lock: DataDirectoryLock?
    let writer: LogWriter?
    let notifier = HeadNotifier()
    let head: Atomic<UInt64>
    let statisticsBox = Mutex(WriterStatistics())
    let hookBox = Mutex<(any AppendHook)?>(nil)
    /// Commits written but not yet synced (writer thread only).
    let awaitingSync = AwaitingSync<PendingCommit>()
    let commitObservers = Mutex<[@Sendable (CommitReport) -> Void]>([])
    let logger: Logger

    /// The store format this code writes and reads.
    public static let storeFormatVersion: UInt32 = 1

    private init(
        directory: String,
        readOnly: Bool,
        environment: Environment,
        tables: LogTables,
        configuration: EventLogConfiguration,
        lock: DataDirectoryLock?,
        head: UInt64
    ) {
        self.directory = directory
        self.traits = .embedded(readOnly: readOnly)
        self.environment = environment
        self.tables = tables
        self.configuration = configuration
        self.lock = lock
        self.head = Atomic(head)
        self.logger = configuration.logger
        if readOnly {
            writer = nil
        } else {
            // The writer calls back into the log; `unowned` breaks the cycle (the log stops the
            // writer before it goes away).
            var commitBatch: ([WriterJob]) -> Void = { _ in }
            var whenIdle: () -> Void = {}
            writer = LogWriter(
                maximumBatchRequests: configuration.maximumBatchRequests,
                maximumBatchBytes: configuration.maximumBatchBytes,
                commit: { commitBatch($0) },
                idle: { whenIdle() }
            )
            commitBatch = { [unowned self] batch in self.commit(batch) }
            whenIdle = { [unowned self] in self.acknowledgeAfterSync() }
        }
    }

    /// Opens (creating if needed) the log in `directory` for writing, taking its exclusive lock.
    ///
    /// - Throws: ``EventStoreError/Code/locked`` when another process holds the directory;
    ///   ``EventStoreError/Code/incompatibleFormat`` for a store written by a newer Strata.
    public static func open(directory: String, configuration: EventLogConfiguration = EventLogConfiguration()) throws -> EventLog {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let lock = try DataDirectoryLock(directory: directory)
        let environment = try mappingStorageErrors {
            try Environment(
                path: directory,
                configuration: EnvironmentConfiguration(mapSize: configuration.mapSize, maximumMapSize: configuration.maximumMapSize)
            )
        }
        do {
            let tables = try mappingStorageErrors { try LogTables { try environment.openDatabase(named: $0, flags: [.create]) } }
            try mappingStorageErrors { try StoreMetadata.prepare(environment: environment, meta: tables.meta) }
            // Every table that exists is opened now, so `existingTable` finds the tables of other
            // layers (checkpoints, idempotency records, read models) before they are first written.
            for name in try mappingStorageErrors({ try environment.databaseNames() }) {
                _ = try mappingStorageErrors { try environment.openDatabase(named: name) }
            }
            let head = try mappingStorageErrors {
                try environment.withReadTransaction { try LogReader(transaction: $0, tables: tables).headPosition() }
            }
            let log = EventLog(
                directory: directory,
                readOnly: false,
                environment: environment,
                tables: tables,
                configuration: configuration,
                lock: lock,
                head: head
            )
            log.writer?.start()
            return log
        } catch {
            environment.close()
            throw error
        }
    }

    /// Opens an existing log read-only: no lock, no writer; safe beside a running server.
    public static func openReadOnly(directory: String) throws -> EventLog {
        guard FileManager.default.fileExists(atPath: (directory as NSString).appendingPathComponent("data.mdb")) else {
            throw EventStoreError(.storage, "\(directory) holds no Strata store (no data.mdb)")
        }
        let environment = try mappingStorageErrors {
            try Environment(
                path: directory,
                configuration: EnvironmentConfiguration(mapSize: 0, flags: [.readOnly, .noThreadLocalStorage])
            )
        }
        do {
            let tables = try LogTables { name in
                do {
                    return try environment.openDatabase(named: name)
                } catch LMDBError.notFound {
                    throw EventStoreError(.storage, "\(directory) is not a Strata store (no \(name) table)")
                }
            }
            try mappingStorageErrors { try StoreMetadata.check(environment: environment, meta: tables.meta) }
            // A handle opened after a read transaction began is invalid inside it (EINVAL), so every
            // table that exists now is opened before any snapshot; `existingTable` finds later ones.
            for name in try mappingStorageErrors({ try environment.databaseNames() }) {
                _ = try? environment.openDatabase(named: name)
            }
            let head = try mappingStorageErrors {
                try environment.withReadTransaction { try LogReader(transaction: $0, tables: tables).headPosition() }
            }
            return EventLog(
                directory: directory,
                readOnly: true,
                environment: environment,
                tables: tables,
                configuration: EventLogConfiguration(),
                lock: nil,
                head: head
            )
        } catch {
            environment.close()
            throw error
        }
    }

    /// Finishes queued writes, stops the writer, ends live subscriptions and closes the store.
    /// Call once, when no reads are running.
    public func close() {
        writer?.stop()
        notifier.finishAll()
        environment.close()
        lock?.release()
    }

    /// The pid of the process holding `directory`'s writer lock, if one does.
    public static func lockHolder(of directory: String) -> Int32? {
        DataDirectoryLock.holder(of: directory)
    }

    // MARK: Hooks and observation

    /// Installs the hook run inside the write transaction after each append (replacing any other).
    public func setAppendHook(_ hook: (any AppendHook)?) {
        hookBox.withLock { $0 = hook }
    }

    /// Registers `observer` to hear of every durable commit, on the writer thread (keep it quick).
    public func onCommit(_ observer: @escaping @Sendable (CommitReport) -> Void) {
        commitObservers.withLock { $0.append(observer) }
    }

    /// Counters of group commit since opening.
    public var writerStatistics: WriterStatistics { statisticsBox.withLock { $0 } }

    // MARK: Reading

    /// The last durable position (0 when the log is empty). Read-only logs look it up in the store.
    public func headPosition() throws -> UInt64 {
        if isReadOnly { return try withSnapshot { try $0.headPosition() } }
        return head.load(ordering: .acquiring)
    }

    /// Runs `body` with a consistent snapshot of the log and its tables.
    public func withSnapshot<T>(_ body: (any StoreSnapshot) throws -> T) throws -> T {
        try mappingStorageErrors {
            try environment.withReadTransaction { transaction in
                try body(LogSnapshot(transaction: transaction, tables: tables))
            }
        }
    }

    /// A table by name if it exists: every table there was at opening, and those created since.
    public func existingTable(named name: String) throws -> Table? {
        if let database = environment.database(named: name) {
            return Table(database)
        }
        guard isReadOnly else { return nil }
        do {
            return Table(try environment.openDatabase(named: name))
        } catch LMDBError.notFound {
            return nil
        }
    }

    /// Writes a consistent, compacted copy of the store into the empty directory `destination`,
    /// beside running writers (a read transaction's snapshot).
    public func backup(to destination: String) throws {
        try mappingStorageErrors { try environment.copy(to: destination, compact: true) }
    }

    /// The names of every table in the store (the log's own included), in byte order.
    public func tableNames() throws -> [String] {
        try mappingStorageErrors { try environment.databaseNames() }
    }

    // MARK: Live notifications

    /// "The log now ends at N": the current head first, then each new head as commits land. Only
    /// the newest value is buffered. A read-only log polls the store every `pollInterval`.
    public func headPositions(pollInterval: Duration) -> AsyncStream<UInt64> {
        guard isReadOnly else { return notifier.subscribe(current: head.load(ordering: .acquiring)) }
        return AsyncStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            let task = Task { [self] in
                var last: UInt64?
                while !Task.isCancelled {
                    if let current = try? headPosition(), current != last {
                        continuation.yield(current)
                        last = current
                    }
                    try? await Task.sleep(for: pollInterval)
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    // MARK: Facts

    /// Counts and sizes of the store, for operators.
    public func storeStatistics() throws -> StoreStatistics {
        let info = try mappingStorageErrors { try environment.info() }
        let pageSize = try mappingStorageErrors { try environment.pageSize() }
        let fileSize =
            (try? FileManager.default.attributesOfItem(atPath: (directory as NSString).appendingPathComponent("data.mdb"))[.size] as? Int)
            ?? 0
        return try withSnapshot { snapshot in
            StoreStatistics(
                events: try snapshot.count(Table(tables.events)),
                streams: try snapshot.count(Table(tables.heads)),
                headPosition: try snapshot.headPosition(),
                fileSize: fileSize,
                usedBytes: (info.lastPage + 1) * pageSize,
                mapSize: info.mapSize
            )
        }
    }
}
