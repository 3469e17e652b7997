import Logging
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

    static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
