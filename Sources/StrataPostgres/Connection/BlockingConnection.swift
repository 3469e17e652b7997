import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import StrataStore
import Synchronization

/// One connection to PostgreSQL used from a thread of Strata's own (the writer, a reader, the
/// key store's queue), never from an event loop: each query waits for its answer. postgres-nio
/// runs the socket on its event loop; this only blocks the caller. The writer and the listener
/// connect their own; reads lease theirs from the store's ``ReadClient``.
final class BlockingConnection: @unchecked Sendable {
    let connection: PostgresConnection
    private let logger: Logger
    /// Set once a query failed for want of the server: the connection is then thrown away.
    var isBroken: Bool { broken.load(ordering: .acquiring) }
    private let broken = Atomic<Bool>(false)
    /// How many statements have failed on this connection (a failure aborts a transaction).
    private(set) var failures = 0
    /// The answers being awaited, failed together when the connection closes: one callback on
    /// `closeFuture` for the connection's life, not one per query (those would pile up until it closes).
    private let awaiting = Mutex(AwaitedAnswers())

    /// A blocking view of `connection`, whose queries fail once it closes.
    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
        connection.closeFuture.whenComplete { [weak self] _ in self?.failAwaited() }
    }

    private func failAwaited() {
        let stranded = awaiting.withLock { answers in
            answers.isClosed = true
            defer { answers.promises.removeAll() }
            return Array(answers.promises.values)
        }
        for promise in stranded { promise.fail(EventStoreError(.unavailable, "PostgreSQL closed the connection")) }
    }

    /// Connects and signs in, waiting at most `timeout`; the socket runs on `eventLoop`.
    static func connect(
        to url: PostgresURL,
        logger: Logger,
        timeout: TimeAmount = .seconds(3),
        on eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()
    ) throws -> BlockingConnection {
        do {
            let connection = try PostgresConnection.connect(
                on: eventLoop,
                configuration: try configuration(url, timeout: timeout),
                id: 0,
                logger: logger
            ).wait()
            return BlockingConnection(connection: connection, logger: logger)
        } catch {
            throw PostgresErrors.mapConnecting(error, url: url)
        }
    }

    static func configuration(_ url: PostgresURL, timeout: TimeAmount) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch url.tls {
        case .disable: tls = .disable
        case .prefer: tls = .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        var configuration = PostgresConnection.Configuration(
            host: url.host,
            port: url.port,
            username: url.user,
            password: url.password,
            database: url.database,
            tls: tls
        )
        configuration.options.connectTimeout = timeout
        configuration.options.additionalStartupParameters = [("application_name", "strata")]
        return configuration
    }

    /// Runs one statement and collects its rows. Fails with ``EventStoreError/Code/unavailable``
    /// when the connection is or becomes closed before the answer (postgres-nio would leave a query
    /// written to a closed channel waiting forever).
    @discardableResult
    func query(_ sql: String, _ binds: PostgresBindings = PostgresBindings()) throws -> PostgresQueryResult {
        try queries([(sql, binds)])[0]
    }

    /// Sends `statements` one behind the other without waiting in between — one round trip for
    /// all, as for a batch's writes with its `COMMIT` — and collects each one's rows. Fails with
    /// the first statement's failure (PostgreSQL then skips the rest of a transaction).
    func queries(_ statements: [(sql: String, binds: PostgresBindings)]) throws -> [PostgresQueryResult] {
        do {
            let (first, promises) = try awaiting.withLock { answers in
                guard !answers.isClosed, !connection.isClosed else {
                    throw EventStoreError(.unavailable, "the connection to PostgreSQL is closed")
                }
                let promises = statements.map { _ in connection.eventLoop.makePromise(of: PostgresQueryResult.self) }
                return (answers.register(promises), promises)
            }
            defer { awaiting.withLock { $0.remove(from: first, count: promises.count) } }
            let answers = zip(statements, promises).map { statement, outcome in
                let answer = connection.query(PostgresQuery(unsafeSQL: statement.sql, binds: statement.binds), logger: logger)
                answer.whenComplete { outcome.completeWith($0) }
                return outcome.futureResult
            }
            var results: [PostgresQueryResult] = []
            var failure: (any Error)?
            for answer in answers {
                do {
                    results.append(try answer.wait())
                } catch {
                    failure = failure ?? error
                }
            }
            if let failure { throw failure }
            return results
        } catch {
            failures += 1
            let mapped = PostgresErrors.map(error)
            if (mapped as? EventStoreError)?.code == .unavailable { broken.store(true, ordering: .releasing) }
            throw mapped
        }
    }

    /// Sends a statement without waiting for its answer; a later query waits behind it.
    func send(_ sql: String) {
        let future = connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
        future.whenFailure { [self] _ in broken.store(true, ordering: .releasing) }
    }

    /// Closes the connection, waiting for it.
    func close() {
        try? connection.close().wait()
    }
}

/// The promises a ``BlockingConnection`` is waiting on, by a running number.
private struct AwaitedAnswers: ~Copyable {
    var promises: [Int: EventLoopPromise<PostgresQueryResult>] = [:]
    var next = 0
    var isClosed = false

    /// Registers `promises` under consecutive numbers; returns the first.
    mutating func register(_ added: [EventLoopPromise<PostgresQueryResult>]) -> Int {
        let first = next
        for promise in added {
            promises[next] = promise
            next += 1
        }
        return first
    }

    mutating func remove(from first: Int, count: Int) {
        for number in first..<(first + count) { promises[number] = nil }
    }
}
