import ArgumentParser
import Foundation
import Hummingbird
import Logging
import StrataHTTP
import StrataStore

/// The flags every Strata server takes (`strata-server`, `ledger-server`). Each has a `STRATA_…`
/// environment variable; a flag wins over its variable.
public struct ServerFlags: ParsableArguments {
    /// The environment variables the flags stand for, for a command's discussion.
    public static let environment = """
        Environment: STRATA_DATA_DIR, STRATA_POSTGRES_URL, STRATA_HOST, STRATA_PORT, STRATA_JWT_SECRET, STRATA_JWT_KEYS, \
        STRATA_JWT_KEYS_FILE, STRATA_LOG_LEVEL, STRATA_BCRYPT_COST, STRATA_CONSISTENCY_WAIT, STRATA_ADMIN_EMAIL, \
        STRATA_ADMIN_PASSWORD, STRATA_MAX_MAP_SIZE, STRATA_ACCESS_TOKEN_TTL.
        """

    @Option(name: .customLong("data-dir"), help: "Data directory (STRATA_DATA_DIR, default ./data).")
    var dataDirectory: String?

    @Option(name: .customLong("postgres-url"), help: "Keep everything in this PostgreSQL database, postgres://user:password@host:port/database (STRATA_POSTGRES_URL); needs the JWT key(s).")
    var postgresURL: String?

    @Option(help: "Address to listen on (STRATA_HOST, default 127.0.0.1).")
    var host: String?

    @Option(help: "Port to listen on (STRATA_PORT, default 8080).")
    var port: Int?

    @Option(name: .customLong("jwt-secret"), help: "HS256 key, at least 32 bytes (STRATA_JWT_SECRET; generated into the data directory if unset).")
    var jwtSecret: String?

    @Option(name: .customLong("jwt-keys-file"), help: "File of HS256 keys, one `kid secret` per line; the first signs, all verify (STRATA_JWT_KEYS_FILE).")
    var jwtKeysFile: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (STRATA_LOG_LEVEL).")
    var logLevel: String?

    @Option(name: .customLong("bcrypt-cost"), help: "bcrypt cost 4–31 (STRATA_BCRYPT_COST, default 12).")
    var bcryptCost: Int?

    @Option(name: .customLong("consistency-wait"), help: "Seconds a Strata-Min-Position waits (STRATA_CONSISTENCY_WAIT, default 2).")
    var consistencyWait: String?

    @Option(name: .customLong("admin-email"), help: "Email of the first admin, made at first start (STRATA_ADMIN_EMAIL).")
    var adminEmail: String?

    @Option(name: .customLong("max-map-size"), help: "Most bytes the store may grow to (STRATA_MAX_MAP_SIZE, default 1 TiB).")
    var maximumMapSize: Int?

    public init() {}

    /// The environment's configuration with the flags laid over it.
    public func configuration(environment: [String: String]) throws -> ServerConfiguration {
        var configuration = try ServerConfiguration(environment: environment)
        if let dataDirectory { configuration.dataDirectory = dataDirectory }
        if let postgresURL { configuration.postgresURL = try ServerConfiguration.postgresURL(postgresURL, "--postgres-url") }
        if let host { configuration.host = host }
        if let port { configuration.port = try ServerConfiguration.integer(String(port), "--port", in: 0...65535) }
        if let jwtSecret { configuration.jwtSecret = jwtSecret }
        if let jwtKeysFile { configuration.jwtKeys = try ServerConfiguration.keys(file: jwtKeysFile) }
        if let logLevel { configuration.logLevel = try ServerConfiguration.level(logLevel) }
        if let bcryptCost { configuration.bcryptCost = UInt8(try ServerConfiguration.integer(String(bcryptCost), "--bcrypt-cost", in: 4...31)) }
        if let consistencyWait { configuration.consistencyWait = try ServerConfiguration.seconds(consistencyWait, "--consistency-wait") }
        if let adminEmail { configuration.adminEmail = adminEmail }
        if let maximumMapSize {
            configuration.maximumMapSize = try ServerConfiguration.integer(String(maximumMapSize), "--max-map-size", in: (1 << 20)...(1 << 50))
        }
        return configuration
    }

    /// Serves `domains` until SIGTERM or SIGINT and exits 0 after a graceful shutdown; a bad
    /// configuration, or a store that cannot be opened, is one line on standard error and exit 2.
    public func serve(_ command: String, domains: [any RouteModule]) async throws {
        do {
            let configuration = try configuration(environment: ProcessInfo.processInfo.environment)
            let level = configuration.logLevel
            LoggingSystem.bootstrap { label in LineLogHandler(label: label, level: level) }
            let app = try await buildApplication(configuration: configuration, domains: domains)
            try await app.runService()
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("\(command): \(error.description)\n".utf8))
            throw ExitCode(2)
        } catch let error as TokenServiceError {
            FileHandle.standardError.write(Data("\(command): \(error.description)\n".utf8))
            throw ExitCode(2)
        } catch let error as EventStoreError where [.unavailable, .locked, .incompatibleFormat].contains(error.code) {
            FileHandle.standardError.write(Data("\(command): \(error.message)\n".utf8))
            throw ExitCode(2)
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("\(command): \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
