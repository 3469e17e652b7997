import NIOCore
import PostgresNIO
import StrataStore

/// PostgreSQL's failures as ``EventStoreError``s, mapped once here: a server that cannot be
/// reached is ``EventStoreError/Code/unavailable`` (503 at the HTTP edge), a full disk
/// ``EventStoreError/Code/storeFull``, anything else ``EventStoreError/Code/storage`` with the
/// server's message. A message never carries the password.
enum PostgresErrors {
    /// SQLSTATE classes and codes that mean "no room": disk_full, out_of_memory, too_many_connections is not.
    static let diskFull: Set<String> = ["53100"]

    /// A connection attempt's failure: whatever it is, the server cannot be used.
    static func mapConnecting(_ error: any Error, url: PostgresURL) -> any Error {
        if error is EventStoreError { return error }
        if let error = error as? PSQLError, error.code == .server {
            let message = error.serverInfo?[.message] ?? "refused"
            return EventStoreError(.unavailable, "PostgreSQL (\(url)) refused the connection: \(message)")
        }
        return EventStoreError(.unavailable, "cannot reach PostgreSQL (\(url)): \(reason(error))")
    }

    /// A query's failure; errors that are not the database's (a hook's, a conflict) pass through.
    static func map(_ error: any Error, url: PostgresURL? = nil) -> any Error {
        if error is EventStoreError { return error }
        if error is ChannelError || error is IOError {
            return EventStoreError(.unavailable, "cannot reach PostgreSQL: \(error)")
        }
        guard let error = error as? PSQLError else { return error }
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            let message = error.serverInfo?[.message] ?? "error"
            if diskFull.contains(state) { return DiskFull.error("PostgreSQL: \(message)") }
            // 57P01–57P03: the server is shutting down or not yet accepting; 08xxx: connection faults.
            if state.hasPrefix("57P") || state.hasPrefix("08") {
                return EventStoreError(.unavailable, "PostgreSQL is unavailable: \(message)")
            }
            return EventStoreError(.storage, "PostgreSQL \(state): \(message)")
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed, .sslUnsupported:
            let target = url.map { " (\($0))" } ?? ""
            return EventStoreError(.unavailable, "cannot reach PostgreSQL\(target): \(error.code)\(error.underlying.map { ": \($0)" } ?? "")")
        default:
            return EventStoreError(.storage, "PostgreSQL: \(error.code)")
        }
    }

    /// A short reason without the query text or the password.
    private static func reason(_ error: any Error) -> String {
        let text = (error as? PSQLError).map { "\($0.code)\($0.underlying.map { ": \($0)" } ?? "")" } ?? "\(error)"
        for (needle, plain) in [
            ("Connection refused", "connection refused"), ("connectTimeout", "timed out"), ("timeout", "timed out"),
            ("No route to host", "no route to host"), ("unknown host", "unknown host"), ("Name or service not known", "unknown host"),
        ] where text.contains(needle) {
            return plain
        }
        return text
    }

    /// Whether `error` is the server's SQLSTATE `state`.
    static func isServerError(_ error: any Error, state: String) -> Bool {
        (error as? PSQLError)?.serverInfo?[.sqlState] == state
    }
}
