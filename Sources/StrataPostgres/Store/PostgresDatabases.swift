import Logging
import NIOCore
import PostgresNIO

/// Creating and dropping whole databases on a server, for tests and benchmarks that give each
/// store a database of its own. `url` names the maintenance database to connect to.
package enum PostgresDatabases {
    package static func create(_ name: String, on url: PostgresURL) throws {
        let connection = try BlockingConnection.connect(to: url, logger: Logger(label: "strata.postgres.admin"))
        defer { connection.close() }
        try connection.query("CREATE DATABASE \(quoted(name))")
    }

    /// Drops `name`, ending its sessions first.
    package static func drop(_ name: String, on url: PostgresURL) throws {
        let connection = try BlockingConnection.connect(to: url, logger: Logger(label: "strata.postgres.admin"))
        defer { connection.close() }
        try connection.query("DROP DATABASE IF EXISTS \(quoted(name)) WITH (FORCE)")
    }

    /// Ends every session connected to `name` (as a failover would).
    package static func terminateSessions(of name: String, on url: PostgresURL) throws {
        let connection = try BlockingConnection.connect(to: url, logger: Logger(label: "strata.postgres.admin"))
        defer { connection.close() }
        var binds = PostgresBindings()
        binds.append(name)
        try connection.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", binds)
    }

    /// Every byte the store's tables hold (events, rows, keys, table names), concatenated: for
    /// tests that check what is stored at rest.
    package static func contents(of url: PostgresURL) throws -> [UInt8] {
        let connection = try BlockingConnection.connect(to: url, logger: Logger(label: "strata.postgres.admin"))
        defer { connection.close() }
        var bytes: [UInt8] = []
        for statement in [
            "SELECT convert_to(stream_id || type, 'UTF8') || metadata || data FROM strata_events",
            "SELECT key || value FROM strata_rows",
            "SELECT convert_to(subject, 'UTF8') || key FROM strata_keys",
            "SELECT convert_to(name, 'UTF8') FROM strata_tables",
        ] {
            for row in try connection.query(statement) { bytes += PostgresLogReader.bytes(try row.decode(ByteBuffer.self)) }
        }
        return bytes
    }

    /// Writes every dirty page to the table files (`CHECKPOINT`, a superuser's right) and returns
    /// the database's oid: its files are `base/<oid>/` in the cluster's data directory.
    package static func checkpoint(_ url: PostgresURL) throws -> UInt32 {
        let connection = try BlockingConnection.connect(to: url, logger: Logger(label: "strata.postgres.admin"))
        defer { connection.close() }
        try connection.query("CHECKPOINT")
        for row in try connection.query("SELECT oid::int8 FROM pg_database WHERE datname = current_database()") {
            return UInt32(try row.decode(Int64.self))
        }
        throw PostgresURLError(description: "no database \(url.database)")
    }

    static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
