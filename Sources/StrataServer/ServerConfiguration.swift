import Foundation
import Logging
import StrataHTTP
import StrataPostgres

/// Everything `strata-server` can be told, with the defaults of ARCHITECTURE.md. Each field has
/// a flag and an environment variable (`STRATA_…`); ``init(environment:)`` reads the variables.
public struct ServerConfiguration: Sendable {
    /// The data directory (`STRATA_DATA_DIR`, default `./data`): the LMDB store, its keys and
    /// the generated JWT secret. Unused when ``postgresURL`` is set.
    public var dataDirectory: String = "./data"
    /// `STRATA_POSTGRES_URL` (`postgres://user:password@host:port/database`): keep everything in
    /// that PostgreSQL database instead of the data directory, so several servers can share it.
    /// The JWT key(s) must then be given, the same on every server.
    public var postgresURL: PostgresURL?
    /// `STRATA_HOST`, default `127.0.0.1`.
    public var host: String = "127.0.0.1"
    /// `STRATA_PORT`, default 8080; 0 picks a free port.
    public var port: Int = 8080
    /// `STRATA_JWT_SECRET`: at least 32 bytes. When `nil`, a random secret is generated once and
    /// kept in `<data>/jwt-secret` with mode 0600.
    public var jwtSecret: String?
    /// `STRATA_JWT_KEYS` (`kid:secret` pairs separated by commas) or `STRATA_JWT_KEYS_FILE` (a file
    /// with one `kid secret` per line): several HS256 keys, the first signs, all verify — for
    /// rotating keys without signing anyone out. Instead of `STRATA_JWT_SECRET`, which alone is
    /// one key with the id `strata`.
    public var jwtKeys: [SigningKey]?
    /// `STRATA_LOG_LEVEL`, default `info`.
    public var logLevel: Logger.Level = .info
    /// `STRATA_BCRYPT_COST`, default 12.
    public var bcryptCost: UInt8 = 12
    /// `STRATA_CONSISTENCY_WAIT` in seconds, default 2.
    public var consistencyWait: Duration = .seconds(2)
    /// `STRATA_ADMIN_EMAIL` and `STRATA_ADMIN_PASSWORD`: the first admin, made at first start.
    public var adminEmail: String?
    public var adminPassword: String?
    /// `STRATA_MAX_MAP_SIZE` in bytes: the most the store may grow to (default 1 TiB); past it,
    /// appends are answered 507 `store_full`.
    public var maximumMapSize: Int = 1 << 40
    /// `STRATA_ACCESS_TOKEN_TTL` in seconds, default 900.
    public var accessTokenLifetime: Duration = .seconds(15 * 60)
    /// `STRATA_SSE_HEARTBEAT` in seconds: how often an idle SSE stream gets a heartbeat comment (15).
    public var heartbeat: Duration = .seconds(15)
    /// `STRATA_MAX_HEADER_BYTES`: request headers over this are 431 (default 16 KiB).
    public var maxHeaderBytes = RequestLimits.defaultHeaderBytes
    /// `STRATA_MAX_BODY_BYTES`: request bodies over this are 413 (default 1 MiB).
    public var maxBodyBytes = JSONBody.defaultLimit
    /// `STRATA_SSE_PER_USER` and `STRATA_SSE_TOTAL`: live feeds open at once per user (4) and in
    /// all (256); beyond, 429 and 503 with `Retry-After`.
    public var liveFeedsPerUser = 4
    public var liveFeedsTotal = 256
    /// `STRATA_IDLE_TIMEOUT` in seconds: a connection that sends nothing for this long while no
    /// answer is being written (keep-alive, or a request trickling in) is closed (default 60).
    public var idleTimeout: Duration = .seconds(60)
    /// `STRATA_PUSH_IN_FLIGHT`: POSTs a push group has in flight at once, its window (64; lower
    /// it for receivers that take few requests at a time).
    public var pushInFlight = 64
    /// Whether traces are exported: `OTEL_EXPORTER_OTLP_ENDPOINT` (or `…_TRACES_ENDPOINT`) is set;
    /// swift-otel reads it and the other `OTEL_…` variables itself. Off, tracing costs nothing.
    public var exportsTraces = false

    public init() {}

    /// The defaults overridden by the `STRATA_…` environment variables that are set.
    public init(environment: [String: String]) throws {
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        if let text = value("STRATA_DATA_DIR") { dataDirectory = text }
        exportsTraces = value("OTEL_EXPORTER_OTLP_ENDPOINT") != nil || value("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != nil
        if let text = value("STRATA_POSTGRES_URL") { postgresURL = try Self.postgresURL(text, "STRATA_POSTGRES_URL") }
        if let text = value("STRATA_HOST") { host = text }
        if let text = value("STRATA_PORT") { port = try Self.integer(text, "STRATA_PORT", in: 0...65535) }
        jwtSecret = environment["STRATA_JWT_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
        if let text = value("STRATA_JWT_KEYS") { jwtKeys = try Self.keys(text, "STRATA_JWT_KEYS") }
        if let path = value("STRATA_JWT_KEYS_FILE") { jwtKeys = try Self.keys(file: path) }
        if let text = value("STRATA_LOG_LEVEL") { logLevel = try Self.level(text) }
        if let text = value("STRATA_BCRYPT_COST") { bcryptCost = UInt8(try Self.integer(text, "STRATA_BCRYPT_COST", in: 4...31)) }
        if let text = value("STRATA_CONSISTENCY_WAIT") { consistencyWait = try Self.seconds(text, "STRATA_CONSISTENCY_WAIT") }
        adminEmail = value("STRATA_ADMIN_EMAIL")
        adminPassword = environment["STRATA_ADMIN_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 }
        if let text = value("STRATA_MAX_MAP_SIZE") { maximumMapSize = try Self.integer(text, "STRATA_MAX_MAP_SIZE", in: (1 << 20)...(1 << 50)) }
        if let text = value("STRATA_SSE_HEARTBEAT") { heartbeat = try Self.seconds(text, "STRATA_SSE_HEARTBEAT") }
        if let text = value("STRATA_MAX_HEADER_BYTES") { maxHeaderBytes = try Self.integer(text, "STRATA_MAX_HEADER_BYTES", in: 1024...(1 << 20)) }
        if let text = value("STRATA_MAX_BODY_BYTES") { maxBodyBytes = try Self.integer(text, "STRATA_MAX_BODY_BYTES", in: 1024...(64 << 20)) }
        if let text = value("STRATA_SSE_PER_USER") { liveFeedsPerUser = try Self.integer(text, "STRATA_SSE_PER_USER", in: 1...10_000) }
        if let text = value("STRATA_SSE_TOTAL") { liveFeedsTotal = try Self.integer(text, "STRATA_SSE_TOTAL", in: 1...100_000) }
        if let text = value("STRATA_IDLE_TIMEOUT") { idleTimeout = .seconds(try Self.integer(text, "STRATA_IDLE_TIMEOUT", in: 1...3600)) }
        if let text = value("STRATA_PUSH_IN_FLIGHT") { pushInFlight = try Self.integer(text, "STRATA_PUSH_IN_FLIGHT", in: 1...256) }
        if let text = value("STRATA_ACCESS_TOKEN_TTL") { accessTokenLifetime = .seconds(try Self.integer(text, "STRATA_ACCESS_TOKEN_TTL", in: 10...86400)) }
    }

    /// The keys tokens are signed and verified with: `jwtKeys`, else `jwtSecret` as the key
    /// `strata`, else `generated()` (a secret kept in the data directory) as the key `strata`.
    public func signingKeys(generated: () throws -> String) throws -> [SigningKey] {
        if postgresURL != nil && jwtKeys == nil && jwtSecret == nil {
            throw ConfigurationError(
                "with STRATA_POSTGRES_URL, set STRATA_JWT_SECRET or STRATA_JWT_KEYS(_FILE): every server sharing the database must sign with the same keys"
            )
        }
        if let jwtKeys {
            guard jwtSecret == nil else { throw ConfigurationError("set STRATA_JWT_KEYS(_FILE) or STRATA_JWT_SECRET, not both") }
            return jwtKeys
        }
        return [SigningKey(id: SigningKey.defaultID, secret: try jwtSecret ?? generated())]
    }

    /// Key pairs from a file (see ``SigningKey/parseList(_:)``); errors name the file, never a secret.
    public static func keys(file path: String) throws -> [SigningKey] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ConfigurationError("cannot read the key file \(path)") }
        return try keys(text, path)
    }

    static func keys(_ text: String, _ origin: String) throws -> [SigningKey] {
        do {
            return try SigningKey.parseList(text)
        } catch {
            throw ConfigurationError("\(origin): \(error)")
        }
    }

    /// A PostgreSQL URL; the error never repeats the URL (it may hold a password).
    public static func postgresURL(_ text: String, _ name: String) throws -> PostgresURL {
        do {
            return try PostgresURL(text)
        } catch {
            throw ConfigurationError("\(name): \(error)")
        }
    }

    public static func integer(_ text: String, _ name: String, in range: ClosedRange<Int>) throws -> Int {
        guard let value = Int(text), range.contains(value) else { throw ConfigurationError("\(name) must be an integer \(range.lowerBound)–\(range.upperBound); got \(text)") }
        return value
    }

    public static func seconds(_ text: String, _ name: String) throws -> Duration {
        guard let value = Double(text), value >= 0, value <= 60 else { throw ConfigurationError("\(name) must be 0–60 seconds; got \(text)") }
        return .milliseconds(Int((value * 1000).rounded()))
    }

    public static func level(_ text: String) throws -> Logger.Level {
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw ConfigurationError("STRATA_LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical; got \(text)")
        }
        return level
    }
}

/// A configuration the server cannot start with, said in one line.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
