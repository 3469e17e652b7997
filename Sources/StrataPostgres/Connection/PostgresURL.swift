import Foundation

/// Why a PostgreSQL URL was refused.
public struct PostgresURLError: Error, Sendable, Hashable, CustomStringConvertible {
    public let description: String
}

/// Where the shared store lives: `postgres://user:password@host:port/database`, from
/// `STRATA_POSTGRES_URL` or `--postgres-url`. Its description names the host and database and
/// never the password, so it may go into logs and error lines.
public struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    /// How the connection is protected: `sslmode=disable` (the default, for loopback and private
    /// networks), `prefer` or `require`.
    public enum TLSMode: String, Sendable, Hashable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public init(host: String, port: Int = 5432, user: String, password: String? = nil, database: String, tls: TLSMode = .disable) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
    }

    /// Parses `postgres://` or `postgresql://` URLs; user and password may be percent-encoded.
    public init(_ text: String) throws {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme.lowercased())
        else {
            throw PostgresURLError(description: "the PostgreSQL URL must look like postgres://user:password@host:port/database")
        }
        guard let host = components.host, !host.isEmpty else {
            throw PostgresURLError(description: "the PostgreSQL URL names no host")
        }
        guard let user = components.user, !user.isEmpty else {
            throw PostgresURLError(description: "the PostgreSQL URL names no user")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw PostgresURLError(description: "the PostgreSQL URL names no database (…/database)")
        }
        var tls = TLSMode.disable
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw PostgresURLError(description: "sslmode must be disable, prefer or require")
                }
                tls = mode
            default:
                throw PostgresURLError(description: "the PostgreSQL URL has an unknown parameter \(item.name)")
            }
        }
        self.init(
            host: host,
            port: components.port ?? 5432,
            user: components.user?.removingPercentEncoding ?? user,
            password: components.password?.removingPercentEncoding,
            database: database.removingPercentEncoding ?? database,
            tls: tls
        )
    }

    /// The URL as text, password included: for handing to a child process, never for a log.
    public var text: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = user
        components.password = password
        components.host = host
        components.port = port
        components.path = "/" + database
        if tls != .disable { components.queryItems = [URLQueryItem(name: "sslmode", value: tls.rawValue)] }
        return components.string ?? "postgres://\(host):\(port)/\(database)"
    }

    /// `database on host:port`, without user or password.
    public var description: String { "database \(database) on \(host):\(port)" }

    /// The same server, another database (tests make one per store).
    public func database(_ name: String) -> PostgresURL {
        var url = self
        url.database = name
        return url
    }
}
