import Foundation
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
    private let executor = DedicatedExecutor(name: "strata-listener")
    /// Signalled when the follow loop has ended and closed its connection (releasing the lock).
    private let finished = DispatchSemaphore(value: 0)

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

    /// Stops following and waits (up to 3 s) until the connection, and so the store's advisory
    /// lock, is given up: a tool opening the database right after sees it free.
    func stop() {
        let running = task.withLock { task -> Bool in
            defer { task = nil }
            task?.cancel()
            return task != nil
        }
        // Cancelled, the loop unlistens and closes its connection itself; a close from here while
        // it unlistens can leave the connection open. Only a loop that does not end is cut off.
        if running, finished.wait(timeout: .now() + 1) == .success { return }
        let connection = current.withLock { $0 }
        let closing: EventLoopFuture<Void>? = connection?.close()
        _ = closing
        if running { _ = finished.wait(timeout: .now() + 2) }
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
        // Let go of the store's lock at once: the backend may outlive the socket's close a while.
        if let connection, !connection.isClosed {
            _ = try? await connection.query(PostgresQuery(unsafeSQL: "SELECT pg_advisory_unlock_all()"), logger: logger)
        }
        _ = try? await connection?.close()
        finished.signal()
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

    /// Another server's commits up to `commits`, if this process has not accounted for them: their
    /// notes (those of a notification when it is the one commit missing, else read), and the
    /// store tells its foreign observers before readers see `head`.
    private func observe(head: UInt64, commits: Int64, notes carried: [String]?, on connection: PostgresConnection) async throws {
        guard let store else { return }
        let accounted = store.accountedCommits.load(ordering: .acquiring)
        guard commits > accounted else { return store.observe(head: head) }
        let notes: [String]?
        if let carried, commits == accounted + 1 {
            notes = carried
        } else {
            notes = try await PostgresEventStore.notes(after: accounted, through: commits, on: connection, logger: logger)
        }
        store.observeForeign(through: commits, head: head, notes: notes)
    }

    /// Listens and polls until the connection fails or the watcher stops.
    private func follow(_ connection: PostgresConnection) async throws {
        try await connection.listen(on: "strata_head") { notifications in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [self] in
                    for try await notification in notifications {
                        var lines = notification.payload.split(separator: "\n", omittingEmptySubsequences: false)
                        let parts = lines.removeFirst().split(separator: " ")
                        guard parts.count >= 2, let head = UInt64(parts[0]), let commits = Int64(parts[1]) else { continue }
                        let notes = parts.count == 2 ? lines.map(String.init) : nil
                        try await observe(head: head, commits: commits, notes: notes, on: connection)
                    }
                    throw EventStoreError(.unavailable, "PostgreSQL ended the notification stream")
                }
                group.addTask { [self] in
                    while !Task.isCancelled {
                        // A query written to a closed connection would wait forever.
                        guard !connection.isClosed else { throw EventStoreError(.unavailable, "the listening connection closed") }
                        let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT position, commits FROM strata_head WHERE id = 1"), logger: logger)
                        for try await (position, commits) in rows.decode((Int64, Int64).self) {
                            try await observe(head: UInt64(position), commits: commits, notes: nil, on: connection)
                        }
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
