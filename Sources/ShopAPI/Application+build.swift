import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore
import Logging
import ServiceLifecycle
import Shop
import StrataHTTP
import StrataKit
import StrataLog
import StrataStore

/// The running shop's store: open while the application runs; at shutdown (after the HTTP
/// server stopped accepting and finished its requests) it waits for background rebuilds, stops
/// the projections and closes the store. It also purges expired idempotency records hourly.
struct StoreService: Service, CustomStringConvertible {
    let shop: ShopService
    let store: OpenedStore
    let readiness: Readiness
    let background: BackgroundWork
    let logger: Logger

    /// What the service lifecycle logs for it: its name, not the shop's internals.
    var description: String { "StoreService" }

    func run() async throws {
        readiness.set(true)
        logger.info("store ready", metadata: ["head": .stringConvertible((try? shop.log.headPosition()) ?? 0)])
        let log = shop.log
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                let idempotency = IdempotencyStore(store: log)
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(3600))
                    if !Task.isCancelled { _ = try? await idempotency.purgeExpired() }
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
        readiness.set(false)
        await background.waitForAll()
        await shop.stop()
        store.close()
        logger.info("store closed")
    }
}

/// Opens the store in `configuration.dataDirectory`, starts the shop and its projections, makes
/// the first admin if asked, and returns the application (routes, middleware and the store's
/// lifecycle). Running it serves until SIGTERM or SIGINT, then shuts down gracefully.
public func buildApplication(configuration: ServerConfiguration) async throws -> some ApplicationProtocol {
    var logger = Logger(label: "strata")
    logger.logLevel = configuration.logLevel
    let directory = configuration.dataDirectory
    if configuration.postgresURL == nil {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    let signingKeys = try configuration.signingKeys { try JWTSecretFile.loadOrCreate(in: directory) }
    let tokens = try await TokenService(keys: signingKeys, lifetime: configuration.accessTokenLifetime)
    let store = try await OpenedStore.open(configuration, logger: logger)
    let shop: ShopService
    let credentials = Credentials(bcryptCost: configuration.bcryptCost)
    do {
        shop = try await ShopService.start(log: store.log, keys: store.keys, logger: logger)
        try await FirstAdmin.create(configuration: configuration, shop: shop, credentials: credentials, logger: logger)
    } catch {
        store.close()
        throw error
    }
    var options = ShopRouter.Options()
    options.consistencyWait = configuration.consistencyWait
    options.heartbeat = configuration.heartbeat
    options.headerBytes = configuration.maxHeaderBytes
    options.bodyBytes = configuration.maxBodyBytes
    options.feeds = LiveFeedLimiter(perUser: configuration.liveFeedsPerUser, total: configuration.liveFeedsTotal)
    let router = ShopRouter.build(shop: shop, tokens: tokens, credentials: credentials, options: options, logger: logger)
    let parserLimit = configuration.maxHeaderBytes + RequestLimits.parserAllowance
    let idleNanoseconds = configuration.idleTimeout.components.seconds * 1_000_000_000
    return Application(
        router: router,
        server: .http1(
            configuration: HTTP1Channel.Configuration(
                idleTimeout: .nanoseconds(idleNanoseconds),
                httpDecoderConfiguration: .init(maxHeaderFieldSize: parserLimit, maxHeaderListSize: parserLimit)
            )
        ),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "strata"),
        services: [StoreService(shop: shop, store: store, readiness: options.readiness, background: options.background, logger: logger)],
        logger: logger
    )
}

/// The generated JWT secret kept in the data directory when `STRATA_JWT_SECRET` is not set.
enum JWTSecretFile {
    static let name = "jwt-secret"

    static func loadOrCreate(in directory: String) throws -> String {
        let path = (directory as NSString).appendingPathComponent(name)
        if let data = FileManager.default.contents(atPath: path) {
            let secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard secret.utf8.count >= 32 else { throw ConfigurationError("\(path) holds a secret shorter than 32 bytes; delete it or set STRATA_JWT_SECRET") }
            return secret
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<48).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let secret = Data(bytes).base64EncodedString()
        guard FileManager.default.createFile(atPath: path, contents: Data(secret.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigurationError("cannot write \(path)")
        }
        return secret
    }
}

/// `STRATA_ADMIN_EMAIL` / `STRATA_ADMIN_PASSWORD`: the first admin, registered at first start
/// (when no user has that email yet).
enum FirstAdmin {
    static func create(configuration: ServerConfiguration, shop: ShopService, credentials: Credentials, logger: Logger) async throws {
        guard let email = configuration.adminEmail else { return }
        guard let password = configuration.adminPassword else {
            throw ConfigurationError("STRATA_ADMIN_EMAIL is set but STRATA_ADMIN_PASSWORD is not")
        }
        if let issue = UserRules.issues(name: nil, email: email, password: password).first {
            throw ConfigurationError("STRATA_ADMIN_\(issue.field.uppercased()) \(issue.message)")
        }
        guard try await shop.reading({ try $0.userId(forEmail: email) }) == nil else { return }
        let id = ShopService.newId()
        do {
            _ = try await shop.registerUser(
                id: id,
                name: "Administrator",
                email: email,
                role: .admin,
                passwordHash: try await credentials.hash(password),
                metadata: EventMetadata(correlationId: "first-admin", userId: id)
            )
        } catch ShopError.emailTaken {
            // Another server sharing the database made it a moment ago.
            return
        }
        logger.notice("first admin created", metadata: ["user.id": .string(id)])
    }
}
