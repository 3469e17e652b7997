// swift-tools-version:6.1
import PackageDescription

/// The console's files (Sources/StrataConsole/Assets), each embedded in the server binary.
enum ConsoleAssets {
    static let files = [
        "index.html", "console.css",
        "js/app.js", "js/api.js", "js/dom.js", "js/dashboard.js", "js/events.js", "js/event.js",
        "js/tail.js", "js/projections.js", "js/users.js", "js/subscriptions.js",
    ]
}

let package = Package(
    name: "Strata",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "LMDB", targets: ["LMDB"]),
        .library(name: "StrataStore", targets: ["StrataStore"]),
        .library(name: "StrataLog", targets: ["StrataLog"]),
        .library(name: "StrataPostgres", targets: ["StrataPostgres"]),
        .library(name: "StrataKit", targets: ["StrataKit"]),
        .library(name: "Identity", targets: ["Identity"]),
        .library(name: "IdentityAPI", targets: ["IdentityAPI"]),
        .library(name: "StrataServer", targets: ["StrataServer"]),
        .library(name: "Shop", targets: ["Shop"]),
        .library(name: "StrataHTTP", targets: ["StrataHTTP"]),
        .library(name: "StrataConsole", targets: ["StrataConsole"]),
        .library(name: "ShopAPI", targets: ["ShopAPI"]),
        .executable(name: "strata-bench", targets: ["strata-bench"]),
        .executable(name: "strata-replay", targets: ["strata-replay"]),
        .executable(name: "strata-admin", targets: ["strata-admin"]),
        .executable(name: "strata-server", targets: ["strata-server"]),
        .library(name: "StrataSubscriptions", targets: ["StrataSubscriptions"]),
        .library(name: "SubscriptionsAPI", targets: ["SubscriptionsAPI"]),
        .library(name: "SubscriptionsPush", targets: ["SubscriptionsPush"]),
        .library(name: "StrataClient", targets: ["StrataClient"]),
        .library(name: "Ledger", targets: ["Ledger"]),
        .library(name: "LedgerAPI", targets: ["LedgerAPI"]),
        .executable(name: "ledger-server", targets: ["ledger-server"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/ordo-one/malloc-interposer", from: "1.6.1"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        // Push consumer groups POST their messages through it.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // StrataClient: the code generated from docs/openapi.yaml runs on these (`make client`).
        .package(url: "https://github.com/apple/swift-openapi-runtime", from: "1.13.4"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client", from: "1.5.0"),
        // Traces exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set (no gRPC).
        .package(url: "https://github.com/swift-otel/swift-otel", from: "1.6.0", traits: ["OTLPHTTP"]),
        .package(url: "https://github.com/apple/swift-distributed-tracing", from: "1.7.3"),
        .package(url: "https://github.com/apple/swift-service-context", from: "1.5.1"),
        // `make docs`: the DocC guide of the kit, the store and the HTTP layers.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // liblmdb from Debian's liblmdb-dev; `make deps` installs it.
        .systemLibrary(
            name: "CLMDB",
            pkgConfig: "lmdb",
            providers: [.apt(["liblmdb-dev"])]
        ),
        // A small safe wrapper over LMDB: no event semantics.
        .target(name: "LMDB", dependencies: ["CLMDB"]),
        // Small C helpers: CRC-32C with the SSE 4.2 instruction where the processor has it, getrandom.
        .target(name: "CStrataSupport"),
        // The EventStore interface and its values, and the personal-data keys' protocol: what every
        // layer above storage programs against.
        .target(name: "StrataStore", dependencies: ["CStrataSupport", .product(name: "Crypto", package: "swift-crypto")]),
        // The append-only event log in LMDB with group commit on one writer thread: an EventStore;
        // and the personal-data keys in an LMDB environment of their own.
        .target(
            name: "StrataLog",
            dependencies: [
                "LMDB",
                "StrataStore",
                "CStrataSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The same EventStore on PostgreSQL (postgres-nio), for several servers sharing one database:
        // group commit per server under one head-row lock, LISTEN/NOTIFY, personal-data keys. It
        // knows nothing of the kit.
        .target(
            name: "StrataPostgres",
            dependencies: [
                "StrataStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Event sourcing on the log: events, aggregates, commands, projections, the view cache.
        .target(
            name: "StrataKit",
            dependencies: [
                "StrataStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // Users, sessions, roles and erasure: the module every server shares. No HTTP, no LMDB.
        .target(name: "Identity", dependencies: ["StrataKit", "StrataStore", .product(name: "Logging", package: "swift-log")]),
        // The default domain: products, orders, sales. No HTTP, no LMDB.
        .target(name: "Shop", dependencies: ["StrataKit", "StrataStore", .product(name: "Logging", package: "swift-log")]),
        // Hummingbird middleware: request ids, access log, metrics, problem+json, body limits, JSON
        // bodies with validation, JWT authentication, idempotency keys, sign-in rate limiting,
        // conditional GET, read-your-writes waits; the kit's admin, health and metrics routes; SSE.
        .target(
            name: "StrataHTTP",
            dependencies: [
                "StrataKit",
                "StrataStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
                .product(name: "ServiceContextModule", package: "swift-service-context"),
            ]
        ),
        // The operator's web console at /admin: static HTML, CSS and JavaScript compiled into the
        // binary (no build step, nothing from other origins), served with ETags and a strict CSP.
        .target(
            name: "StrataConsole",
            dependencies: [
                "StrataHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            resources: ConsoleAssets.files.map { .embedInCode("Assets/\($0)") }
        ),
        // The identity module's routes (users, sessions), password hashing, the first admin, and
        // the callers' directory the authentication middleware asks.
        .target(
            name: "IdentityAPI",
            dependencies: [
                "Identity", "StrataHTTP", "StrataKit", "StrataStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A server from modules: configuration, the store, one app, the kit's middleware, the
        // identity routes, each module's routes, admin, console and operations; its lifecycle.
        .target(
            name: "StrataServer",
            dependencies: [
                "IdentityAPI", "Identity", "StrataHTTP", "StrataConsole", "StrataKit", "StrataStore", "StrataLog", "StrataPostgres",
                "StrataSubscriptions", "SubscriptionsAPI", "SubscriptionsPush",
                .product(name: "OTel", package: "swift-otel"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Consumer groups: durable cursors, leases and parked messages over the log, in the
        // store's tables, for other services to follow it.
        .target(name: "StrataSubscriptions", dependencies: ["StrataKit", "StrataStore"]),
        // The server's pusher: push groups' messages POSTed, signed, retried with backoff.
        .target(
            name: "SubscriptionsPush",
            dependencies: [
                "StrataSubscriptions", "SubscriptionsAPI", "StrataKit", "StrataStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Instrumentation", package: "swift-distributed-tracing"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceContextModule", package: "swift-service-context"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Tracing", package: "swift-distributed-tracing"),
            ]
        ),
        // A typed Swift client of strata-server, generated from docs/openapi.yaml by
        // swift-openapi-generator (`make client`; the generated code is committed).
        .target(
            name: "StrataClient",
            dependencies: [
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            exclude: ["openapi-generator-config.yaml"]
        ),
        // The consumer groups' routes (`/v1/subscriptions`), which every server serves.
        .target(
            name: "SubscriptionsAPI",
            dependencies: [
                "StrataSubscriptions", "StrataHTTP", "StrataKit",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        // The shop's routes: HTTP <-> commands and queries; the shop's server.
        .target(
            name: "ShopAPI",
            dependencies: [
                "Shop", "StrataServer", "StrataHTTP", "StrataKit", "StrataStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The shop's server: flags and environment, then `buildApplication(configuration:)`.
        .executableTarget(
            name: "strata-server",
            dependencies: [
                "ShopAPI",
                "StrataServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The second domain on the kit: accounts, deposits, withdrawals, transfers. No HTTP, no LMDB.
        .target(name: "Ledger", dependencies: ["StrataKit", "StrataStore"]),
        // The ledger's routes under /v1/ledger.
        .target(
            name: "LedgerAPI",
            dependencies: [
                "Ledger", "StrataServer", "StrataHTTP", "StrataKit", "StrataStore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        // The ledger's server: the kit, the identity module and the ledger alone.
        .executableTarget(
            name: "ledger-server",
            dependencies: ["LedgerAPI", "StrataServer", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // What strata-replay and strata-admin do, shared with each other and the server.
        .target(
            name: "StrataTools",
            dependencies: [
                "Identity",
                "Shop",
                "Ledger",
                "StrataKit",
                "StrataStore",
                "StrataLog",
                "StrataPostgres",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ]
        ),
        .executableTarget(
            name: "strata-replay",
            dependencies: [
                "StrataTools", "StrataKit", "StrataStore", "StrataLog", "StrataPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "strata-admin",
            dependencies: [
                "StrataTools", "Identity", "StrataKit", "StrataStore", "StrataLog", "StrataPostgres", "StrataSubscriptions",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmarks of the log against a raw LMDB loop (`make bench`).
        .executableTarget(
            name: "strata-bench",
            dependencies: [
                "StrataTools",
                "Shop",
                "Identity",
                "StrataKit",
                "StrataStore",
                "StrataLog",
                "CLMDB",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "MallocInterposerSwift", package: "malloc-interposer"),
            ]
        ),
        // The minimal Hummingbird server `make bench-http` measures Strata against.
        .executableTarget(
            name: "strata-http-baseline",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "tools/http-baseline"
        ),
        // Appends in a loop and reports each durable append; the crash test kills it with SIGKILL.
        .executableTarget(name: "strata-log-torture", dependencies: ["StrataLog", "StrataStore"]),
        // What several test targets share: temporary directories, built executables, and the store
        // contract suite that every EventStore runs.
        .target(name: "StrataTestSupport", dependencies: ["StrataStore", "StrataPostgres", "StrataLog", "StrataKit"], path: "Tests/StrataTestSupport"),
        // The shop's server's services over one app, for the suites that drive the shop.
        .target(name: "ShopTestSupport", dependencies: ["Shop", "Identity", "StrataKit", "StrataStore"], path: "Tests/ShopTestSupport"),
        .testTarget(name: "StrataPostgresTests", dependencies: ["StrataPostgres", "StrataStore", "StrataTestSupport"]),
        .testTarget(name: "LMDBTests", dependencies: ["LMDB", "CLMDB", "StrataTestSupport"]),
        .testTarget(name: "StrataLogTests", dependencies: ["StrataLog", "StrataStore", "LMDB", "StrataTestSupport"]),
        .testTarget(name: "StrataKitTests", dependencies: ["StrataKit", "StrataStore", "StrataLog", "StrataTestSupport"]),
        .testTarget(name: "StrataSubscriptionsTests", dependencies: ["StrataSubscriptions", "StrataKit", "StrataStore", "StrataTestSupport"]),
        .testTarget(
            name: "SubscriptionsAPITests",
            dependencies: [
                "StrataServer", "Identity", "IdentityAPI", "StrataHTTP", "StrataKit", "StrataStore", "StrataTestSupport",
                "StrataSubscriptions", "SubscriptionsPush",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "IdentityTests", dependencies: ["Identity", "StrataKit"]),
        .testTarget(
            name: "ShopTests",
            dependencies: [
                "Shop", "Identity", "ShopTestSupport", "StrataKit", "StrataStore", "StrataLog", "StrataTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "StrataHTTPTests",
            dependencies: [
                "StrataHTTP", "StrataKit", "StrataStore", "StrataTestSupport", .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ShopAPITests",
            dependencies: [
                "ShopAPI", "Shop", "Identity", "IdentityAPI", "StrataServer", "ShopTestSupport", "StrataHTTP", "StrataKit", "StrataStore",
                "StrataLog", "StrataPostgres", "StrataTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(
            name: "LedgerTests",
            dependencies: [
                "Ledger", "LedgerAPI", "Identity", "IdentityAPI", "StrataServer", "StrataHTTP", "StrataKit", "StrataStore", "StrataTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Runs the built strata-server on loopback ports: SSE over a real socket, graceful shutdown.
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "StrataTestSupport", "StrataPostgres", "StrataClient",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        .testTarget(
            name: "ToolsTests",
            dependencies: [
                "StrataTools", "Shop", "Identity", "Ledger", "ShopTestSupport", "StrataKit", "StrataStore", "StrataLog", "StrataPostgres",
                "StrataTestSupport", "StrataSubscriptions",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
