import Dispatch
import Logging
import NIOCore
import NIOSSL
import PostgresNIO
import StrataStore
import Synchronization

/// The connections a store reads through outside its writer (snapshots, tables, keys, reports):
/// one postgres-nio `PostgresClient` per store, run as a service by a task on a thread of the
/// clients' own, so leasing never waits for the cooperative pool that callers of the synchronous
/// reads may keep busy. That thread is one per process and never stopped: a lease's task may be
/// resumed after its store closed (the pool failing it), and must find its executor alive.
///
/// A snapshot holds one connection for its transaction; a key or table looked up inside it takes a
/// second. So that every holder can always get its second, at most ``snapshotLimit`` snapshots
/// are open at once and the client pools twice as many connections plus a few, and a snapshot
/// never opens another.
final class ReadClient: Sendable {
    /// Snapshots open at once.
    let snapshotLimit: Int
    private let client: PostgresClient
    /// Where every client's tasks run: the client's `run()` and each lease's.
    private static let executor = DedicatedExecutor(name: "strata-pg-client")
    private var executor: DedicatedExecutor { Self.executor }
    private let running = Mutex<Task<Void, Never>?>(nil)
    private let isClosed = Atomic<Bool>(false)
    private let snapshots: DispatchSemaphore
    /// How long a caller waits for a connection (the database down, or every connection busy).
    private let leaseTimeout: Duration
    /// The blocking view of each pooled connection, made once per connection: it registers for
    /// the connection's close, which a view per lease would do again and again.
    private let views = Mutex<[ObjectIdentifier: BlockingConnection]>([:])
    private let logger: Logger

    init(url: PostgresURL, snapshots: Int, leaseTimeout: Duration = .seconds(3), logger: Logger) throws {
        snapshotLimit = max(1, snapshots)
        self.snapshots = DispatchSemaphore(value: snapshotLimit)
        self.leaseTimeout = leaseTimeout
        self.logger = logger
        var configuration = PostgresClient.Configuration(
            host: url.host,
            port: url.port,
            username: url.user,
            password: url.password,
            database: url.database,
            tls: try Self.tls(url.tls)
        )
        configuration.options.maximumConnections = 2 * snapshotLimit + 4
        configuration.options.connectTimeout = leaseTimeout
        configuration.options.additionalStartupParameters = [("application_name", "strata")]
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let started = Task(executorPreference: executor) { [client] in await client.run() }
        running.withLock { $0 = started }
    }

    private static func tls(_ mode: PostgresURL.TLSMode) throws -> PostgresClient.Configuration.TLS {
        switch mode {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
    }

    /// Runs `body` with a pooled connection, blocking the calling thread (never an event loop)
    /// until one is free. A connection that broke during `body` is closed, not pooled again.
    ///
    /// - Throws: ``EventStoreError/Code/closed`` after ``close()``; ``EventStoreError/Code/unavailable``
    ///   when no connection comes within the lease timeout.
    func withConnection<T>(_ body: (BlockingConnection) throws -> T) throws -> T {
        guard !isClosed.load(ordering: .acquiring) else { throw EventStoreError.closed }
        let handoff = ConnectionHandoff()
        let leasing = Task(executorPreference: executor) { [client] in
            do {
                try await client.withConnection { connection in await handoff.lend(connection) }
            } catch {
                handoff.fail(PostgresErrors.map(error))
            }
        }
        let connection: PostgresConnection
        do {
            connection = try handoff.take(before: .now() + .milliseconds(Int(leaseTimeout / .milliseconds(1))))
        } catch {
            leasing.cancel()
            throw error
        }
        let view = self.view(of: connection)
        defer {
            if view.isBroken { view.close() }
            handoff.giveBack()
        }
        return try body(view)
    }

    /// Runs `body` with a connection of its own for a snapshot's transaction, waiting while
    /// ``snapshotLimit`` snapshots are open.
    func withSnapshotConnection<T>(_ body: (BlockingConnection) throws -> T) throws -> T {
        snapshots.wait()
        defer { snapshots.signal() }
        return try withConnection(body)
    }

    private func view(of connection: PostgresConnection) -> BlockingConnection {
        let id = ObjectIdentifier(connection)
        if let known = views.withLock({ $0[id] }) { return known }
        let made = BlockingConnection(connection: connection, logger: logger)
        views.withLock { $0[id] = made }
        connection.closeFuture.whenComplete { [weak self] _ in _ = self?.views.withLock { $0.removeValue(forKey: id) } }
        return made
    }

    /// Stops the client without waiting: leases fail from now on, and the pooled connections close
    /// as they come back (a read connection holds no lock, so nothing waits for them).
    func close() {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let task = running.withLock { task in
            defer { task = nil }
            return task
        }
        task?.cancel()
    }
}
