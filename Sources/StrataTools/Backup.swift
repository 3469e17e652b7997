import Foundation
import StrataKit
import StrataLog
import StrataPostgres
import StrataStore

/// `strata-admin backup`: a consistent copy of the store made beside running servers. LMDB: a
/// compacted copy of the log and of its key store, from read snapshots. PostgreSQL: `pg_dump`
/// in its custom format (one snapshot of the whole database, keys included), restorable with
/// `pg_restore` into an empty database.
public enum Backup {
    /// What a PostgreSQL backup is and how to restore it, for the operator.
    public static func explanation(_ url: PostgresURL, file: String) -> String {
        """
        pg_dump wrote one consistent snapshot of \(url) to \(file): events, read models, checkpoints,
        idempotency records and the personal-data keys. Restore into a new, empty database with
          pg_restore --no-owner --dbname postgres://USER@HOST:PORT/NEWDB \(file)
        then point STRATA_POSTGRES_URL at it. The dump holds the keys of users not yet erased when
        it was taken: treat it as personal data, and expire it as docs/privacy.md says.
        """
    }

    /// Copies the store into `destination`, which must not exist or be empty. Returns the file
    /// written for PostgreSQL (`strata.dump`), `nil` for LMDB.
    @discardableResult
    public static func run(_ location: StoreLocation, to destination: String) throws -> String? {
        let manager = FileManager.default
        if manager.fileExists(atPath: destination) {
            guard (try manager.contentsOfDirectory(atPath: destination)).isEmpty else {
                throw ToolError("\(destination) is not empty; backup never overwrites")
            }
        }
        try manager.createDirectory(atPath: destination, withIntermediateDirectories: true)
        if let url = location.postgresURL {
            let file = (destination as NSString).appendingPathComponent("strata.dump")
            try dump(url, to: file)
            return file
        }
        let log = try EventLog.openReadOnly(directory: location.path)
        defer { log.close() }
        try log.backup(to: destination)
        if manager.fileExists(atPath: (location.keysPath as NSString).appendingPathComponent("data.mdb")) {
            let keysDestination = (destination as NSString).appendingPathComponent("keys")
            try manager.createDirectory(atPath: keysDestination, withIntermediateDirectories: true)
            let keys = try KeyStore(directory: location.keysPath)
            defer { keys.close() }
            try keys.backup(to: keysDestination)
        }
        return nil
    }

    /// Runs `pg_dump` (from PATH or Debian's /usr/lib/postgresql/*/bin); the password goes in its
    /// environment, never on its command line.
    static func dump(_ url: PostgresURL, to file: String) throws {
        guard let pgDump = findPgDump() else {
            throw ToolError("pg_dump is not installed (Debian: apt-get install postgresql-client); it makes PostgreSQL backups")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: pgDump)
        process.arguments = [
            "--format=custom", "--no-owner", "--file", file,
            "--host", url.host, "--port", String(url.port), "--username", url.user, "--dbname", url.database,
        ]
        var environment = ProcessInfo.processInfo.environment
        if let password = url.password { environment["PGPASSWORD"] = password }
        if url.tls != .disable { environment["PGSSLMODE"] = url.tls.rawValue }
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ToolError("pg_dump failed: " + String(decoding: message, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    private static func findPgDump() -> String? {
        let manager = FileManager.default
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") where manager.isExecutableFile(atPath: "\(directory)/pg_dump") {
            return "\(directory)/pg_dump"
        }
        let versions = (try? manager.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) })
        where manager.isExecutableFile(atPath: "/usr/lib/postgresql/\(version)/bin/pg_dump") {
            return "/usr/lib/postgresql/\(version)/bin/pg_dump"
        }
        return nil
    }
}
