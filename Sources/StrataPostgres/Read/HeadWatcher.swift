import Logging
import NIOCore
import PostgresNIO
import StrataStore
import Synchronization

/// Follows the shared head for one store: `LISTEN strata_head` on the connection that also holds
/// the store's advisory lock, a poll of the head row every ``PostgresStoreConfiguration/pollInterval``
/// in case a notification is lost, and reconnection (retaking the lock) when the connection
/// breaks. It keeps ``PostgresEventStore/isReachable`` current.
final class HeadWatcher: Sendable {
    private weak let store: PostgresEventStore?
    private let url: PostgresURL
    private let access: PostgresStoreConfiguration.Access
    private let pollInterval: Duration
    private let logger: Logger
    private let initial: Mutex<PostgresConnection?>
    private let task = Mutex<Task<Void, Never>?>(nil)
    private let current = Mutex<PostgresConnection?>(nil)
    private let executor = DedicatedExecutor(name: "strata-pg-listener")

    init(store: PostgresEventStore, presence: PostgresConnection) {
        self.store = store
        self.url = store.url
        self.access = store.configuration.access
        self.pollInterval = store.configuration.pollInterval
        self.logger = store.logger
        self.initial = Mutex(presence)
    }

    func start() {
        let started = Task(executorPreference: executor) { [self] in await run() }
        task.withLock { $0 = started }
    }

    func stop() {
        task.withLock { $0?.cancel() }
        let connection = current.withLock { $0 }
        let closing: EventLoopFuture<Void>? = connection?.close()
        _ = closing
    }

    private func run() async {
        var connection = initial.withLock { taken in
            defer { taken = nil }
            return taken
        }
        var failures = 0
        while !Task.isCancelled {
            do {
                let live: PostgresConnection
                if let connection {
                    live = connection
                } else {
                    live = try await reconnect()
                }
                connection = live
                current.withLock { $0 = live }
                try await follow(live)
                failures = 0
            } catch {
                guard !Task.isCancelled else { break }
                store?.reachable.store(false, ordering: .releasing)
                if failures == 0 { logger.warning("lost PostgreSQL; reconnecting", metadata: ["error": "\(PostgresErrors.map(error))"]) }
                failures += 1
                _ = try? await connection?.close()
                connection = nil
                try? await Task.sleep(for: .milliseconds(min(1000, 100 * failures)))
            }
        }
        _ = try? await connection?.close()
        executor.stop()
    }

    private func reconnect() async throws -> PostgresConnection {
        let connection = try await PostgresConnection.connect(
            configuration: try BlockingConnection.configuration(url, timeout: .seconds(3)),
            id: 1,
            logger: logger
        )
        let lock: String? =
            switch access {
            case .shared: "SELECT pg_advisory_lock_shared(\(Schema.onlineLock))"
            case .exclusive: "SELECT pg_advisory_lock(\(Schema.onlineLock))"
            case .readOnly: nil
            }
        if let lock { try await connection.query(PostgresQuery(unsafeSQL: lock), logger: logger) }
        logger.info("reconnected to PostgreSQL", metadata: ["database": "\(url)"])
        return connection
    }

    /// Listens and polls until the connection fails or the watcher stops.
    private func follow(_ connection: PostgresConnection) async throws {
        try await connection.listen(on: "strata_head") { notifications in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [self] in
                    for try await notification in notifications {
                        if let head = UInt64(notification.payload) { store?.observe(head: head) }
                    }
                    throw EventStoreError(.unavailable, "PostgreSQL ended the notification stream")
                }
                group.addTask { [self] in
                    while !Task.isCancelled {
                        // A query written to a closed connection would wait forever.
                        guard !connection.isClosed else { throw EventStoreError(.unavailable, "the listening connection closed") }
                        let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT position FROM strata_head WHERE id = 1"), logger: logger)
                        for try await position in rows.decode(Int64.self) { store?.observe(head: UInt64(position)) }
                        store?.reachable.store(true, ordering: .releasing)
                        try await Task.sleep(for: pollInterval)
                    }
                }
                defer { group.cancelAll() }
                try await group.next()
            }
        }
    }
}
