import Dispatch
import PostgresNIO
import StrataStore
import Synchronization

/// One lease of a ``ReadClient``'s connection, passed from the task that holds it to the thread
/// that waits for it: the task lends the connection and stays suspended until the thread gives it
/// back, so postgres-nio's pool sees an ordinary `withConnection` while the reads themselves run
/// synchronously on the store's own threads.
final class ConnectionHandoff: Sendable {
    private enum State {
        /// Neither side has moved yet.
        case waiting
        /// The task lent `connection` and waits on `continuation` to have it back.
        case lent(PostgresConnection, CheckedContinuation<Void, Never>)
        /// The lease failed before a connection came.
        case failed(any Error)
        /// The thread stopped waiting; a connection that arrives now goes straight back.
        case abandoned
        /// The thread gave the connection back.
        case returned
    }

    private let state = Mutex<State>(.waiting)
    private let arrived = DispatchSemaphore(value: 0)

    /// Called by the leasing task inside `withConnection`: hands `connection` over and suspends
    /// until ``giveBack()`` (at once when the thread has already given up).
    func lend(_ connection: PostgresConnection) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let taken = state.withLock { state -> Bool in
                guard case .waiting = state else { return false }
                state = .lent(connection, continuation)
                return true
            }
            if taken { arrived.signal() } else { continuation.resume() }
        }
    }

    /// Called by the leasing task when no connection could be leased.
    func fail(_ error: any Error) {
        let wasWaiting = state.withLock { state -> Bool in
            guard case .waiting = state else { return false }
            state = .failed(error)
            return true
        }
        if wasWaiting { arrived.signal() }
    }

    /// Waits on the calling thread for the lent connection until `deadline`.
    ///
    /// - Throws: the lease's failure, or ``EventStoreError/Code/unavailable`` when none came in time.
    func take(before deadline: DispatchTime) throws -> PostgresConnection {
        _ = arrived.wait(timeout: deadline)
        return try state.withLock { state throws -> PostgresConnection in
            switch state {
            case .lent(let connection, _):
                return connection
            case .failed(let error):
                throw error
            case .waiting, .abandoned, .returned:
                state = .abandoned
                throw EventStoreError(.unavailable, "no connection to PostgreSQL came in time")
            }
        }
    }

    /// Gives the connection back to the leasing task, which returns it to the pool.
    func giveBack() {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard case .lent(_, let continuation) = state else { return nil }
            state = .returned
            return continuation
        }
        continuation?.resume()
    }
}
