import Foundation
import Logging
import StrataStore

/// A few connections for reads outside the writer (snapshots, the key store), each used by one
/// caller at a time. Callers wait when all are busy; a broken connection is closed and replaced
/// by a fresh one on the next use, so the pool recovers by itself when the server returns.
final class ConnectionPool: @unchecked Sendable {
    private let url: PostgresURL
    private let logger: Logger
    private let capacity: Int
    private let condition = NSCondition()
    private var idle: [BlockingConnection] = []
    private var open = 0
    private var isClosed = false

    init(url: PostgresURL, capacity: Int, logger: Logger) {
        self.url = url
        self.capacity = max(1, capacity)
        self.logger = logger
    }

    /// Runs `body` with a connection of the pool (blocking while all are busy). A call made inside
    /// another on the same thread (a snapshot looking up a table or a key) gets that call's
    /// connection again: taking a second one could wait forever once every connection is held by
    /// a caller waiting for its second.
    func withConnection<T>(_ body: (BlockingConnection) throws -> T) throws -> T {
        let slot = Thread.current.threadDictionary
        if let held = slot[heldKey] as? BlockingConnection { return try body(held) }
        let connection = try take()
        slot[heldKey] = connection
        defer {
            slot[heldKey] = nil
            give(connection)
        }
        return try body(connection)
    }

    /// The connection this thread holds now, if it is inside ``withConnection(_:)``.
    var heldByThisThread: BlockingConnection? {
        Thread.current.threadDictionary[heldKey] as? BlockingConnection
    }

    /// This pool's entry in a thread's dictionary while the thread holds one of its connections.
    private var heldKey: String { "strata.pool.\(ObjectIdentifier(self).hashValue)" }

    private func take() throws -> BlockingConnection {
        condition.lock()
        while true {
            if isClosed {
                condition.unlock()
                throw EventStoreError.closed
            }
            if let connection = idle.popLast() {
                condition.unlock()
                return connection
            }
            if open < capacity {
                open += 1
                condition.unlock()
                do {
                    return try BlockingConnection.connect(to: url, logger: logger)
                } catch {
                    condition.lock()
                    open -= 1
                    condition.signal()
                    condition.unlock()
                    throw error
                }
            }
            condition.wait()
        }
    }

    private func give(_ connection: BlockingConnection) {
        condition.lock()
        if connection.isBroken || isClosed {
            open -= 1
            condition.signal()
            condition.unlock()
            connection.close()
            return
        }
        idle.append(connection)
        condition.signal()
        condition.unlock()
    }

    /// Closes every idle connection; busy ones close when they are given back.
    func close() {
        condition.lock()
        isClosed = true
        let closing = idle
        idle = []
        open -= closing.count
        condition.broadcast()
        condition.unlock()
        for connection in closing { connection.close() }
    }
}
