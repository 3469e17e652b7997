import Foundation
import Hummingbird
import HummingbirdCore
import NIOCore
import Logging
import ServiceLifecycle
import Identity
import IdentityAPI
import StrataHTTP
import StrataKit
import StrataLog
import StrataStore
import SubscriptionsPush

/// The running server's store: open while the application runs; at shutdown (after the HTTP
/// server stopped accepting and finished its requests) it waits for background rebuilds, stops
/// the projections and closes the store. It also purges expired idempotency records hourly.
struct StoreService: Service, CustomStringConvertible {
    let app: StrataApp
    let store: OpenedStore
    let readiness: Readiness
    let background: BackgroundWork
    let logger: Logger

    /// What the service lifecycle logs for it: its name, not the app's internals.
    var description: String { "StoreService" }

    func run() async throws {
        readiness.set(true)
        logger.info("store ready", metadata: ["head": .stringConvertible((try? app.store.headPosition()) ?? 0)])
        let log = app.store
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
        await app.stop()
        store.close()
        logger.info("store closed")
    }
}

/// Opens the configured store, starts one app of the identity module and every domain's modules
/// and its projections, makes the first admin if asked, and returns the application: the
/// identity routes, each domain's routes, the kit's middleware, admin, console and operations
/// routes, and the store's lifecycle. Running it serves until SIGTERM or SIGINT, then shuts down
/// gracefully.
public func buildApplication(configuration: ServerConfiguration, domains: [any RouteModule]) async throws -> some ApplicationProtocol {
    var logger = Logger(label: "strata")
    logger.logLevel = configuration.logLevel
    let traces = configuration.exportsTraces ? try TraceExport.bootstrap(serviceName: "strata-server") : nil
    let directory = configuration.dataDirectory
    if configuration.postgresURL == nil {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }
    let signingKeys = try configuration.signingKeys { try JWTSecretFile.loadOrCreate(in: directory) }
    let tokens = try await TokenService(keys: signingKeys, lifetime: configuration.accessTokenLifetime)
    let store = try await OpenedStore.open(configuration, logger: logger)
    let modules: [any StrataModule] = [IdentityModule()] + domains.flatMap(\.modules)
    let app: StrataApp
    do {
        app = try await StrataApp.start(store: store.log, keys: store.keys, modules: modules, logger: logger)
    } catch {
        store.close()
        throw error
    }
    var options = ServerOptions()
    options.consistencyWait = configuration.consistencyWait
    options.heartbeat = configuration.heartbeat
    options.headerBytes = configuration.maxHeaderBytes
    options.bodyBytes = configuration.maxBodyBytes
    options.feeds = LiveFeedLimiter(perUser: configuration.liveFeedsPerUser, total: configuration.liveFeedsTotal)
    options.tracing = traces != nil
    // Other servers' acknowledgements wake this one's long polls (a shared store only).
    options.groupSignals.follow(app.store)
    let router: Router<StrataRequestContext>
    do {
        let users = try await IdentityService.start(app: app)
        let credentials = Credentials(bcryptCost: configuration.bcryptCost)
        do {
            try await FirstAdmin.create(
                email: configuration.adminEmail,
                password: configuration.adminPassword,
                users: users,
                credentials: credentials,
                logger: logger
            )
        } catch let error as FirstAdminError {
            throw ConfigurationError(error.description)
        }
        let identity = IdentityRoutes(users: users, credentials: credentials)
        router = try ServerRouter.build(app: app, identity: identity, tokens: tokens, domains: domains, options: options, logger: logger)
    } catch {
        await app.stop()
        store.close()
        throw error
    }
    let parserLimit = configuration.maxHeaderBytes + RequestLimits.parserAllowance
    let idleNanoseconds = configuration.idleTimeout.components.seconds * 1_000_000_000
    return Application(
        router: router,
        server: .http1(
            configuration: HTTP1Channel.Configuration(
                additionalChannelHandlers: [HeaderOverflowHandler(limit: configuration.maxHeaderBytes)],
                idleTimeout: .nanoseconds(idleNanoseconds),
                httpDecoderConfiguration: .init(maxHeaderFieldSize: parserLimit, maxHeaderListSize: parserLimit)
            )
        ),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "strata"),
        // Shut down in reverse: the pusher stops before the store closes, the trace exporter last.
        services: (traces.map { [$0] } ?? []) + [
            StoreService(app: app, store: store, readiness: options.readiness, background: options.background, logger: logger),
            PushDelivery(
                store: app.store, counters: options.deliveries, signals: options.groupSignals,
                inFlightPerGroup: configuration.pushInFlight, logger: logger
            ),
        ],
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
