import Foundation
import Logging
import StrataKit
import StrataStore

/// The shop's application service: every command of the domain, run through the kit's
/// ``CommandExecutor``, and every query, read from the projections. The HTTP layer and the tools
/// call this; it knows nothing of HTTP.
public struct ShopService: Sendable {
    /// The store, for wiring the kit's own routes and tools (events, projections, idempotency).
    public let log: any EventStore
    /// The projections, for wiring the kit's own routes (status, rebuilds, read-your-writes).
    public let runner: ProjectionRunner
    /// Where the views that commits changed are reported: response caches follow it.
    public let invalidations: ViewInvalidations
    let registry: EventRegistry
    let executor: CommandExecutor
    let keys: any PersonalDataKeys
    let hasher: UniqueValueHasher
    /// Users' and sessions' statuses (`userStatus`, `sessionStatus` views), asked on every
    /// authenticated request.
    let statuses: ViewCache<Bool>

    /// Every event type of the shop (and the kit's reservations and admin roster).
    static let eventTypes: [any Event.Type] = [
        UserRegistered.self, UserRenamed.self, UserDeactivated.self, UserErased.self,
        SessionStarted.self, SessionRefreshed.self, SessionRevoked.self,
        ProductCreated.self, ProductUpdated.self, ProductRestocked.self, ProductDiscontinued.self, StockReserved.self, StockReleased.self,
        OrderPlaced.self, OrderPaid.self, OrderCancelled.self, OrderShipped.self,
        UniqueValueReserved.self, UniqueValueReleased.self,
        AdminRosterStarted.self, AdminJoined.self, AdminLeft.self,
    ]

    /// The registry of ``eventTypes``, with the personal-data cipher.
    public static func registry(cipher: (any PersonalDataCipher)?) throws -> EventRegistry {
        var registry = EventRegistry()
        for type in eventTypes { try registry.register(type) }
        if let cipher { registry.setCodingInfo(cipher, forKey: .personalDataCipher) }
        return registry
    }

    /// The shop's projections.
    public static func projections(hasher: UniqueValueHasher) -> [any Projection] {
        [
            UsersProjection(hasher: hasher), SessionsProjection(), ProductsProjection(), OrdersProjection(), SalesProjection(),
            CorrelationsProjection(eventTypes: Set(eventTypes.map { $0.eventType })),
        ]
    }

    /// The aggregates whose states are stored as snapshots on long streams (products, which every
    /// order changes), for `strata-replay --snapshots rebuild`.
    public static let snapshottingAggregates: [any SnapshottingAggregate.Type] = [Product.self]

    /// How many events apart a long stream's snapshots are, by default.
    public static let snapshotEvery: UInt64 = 1000

    /// Wires the shop onto an open log and key store and starts its projections. A product's
    /// state is stored as a snapshot every `snapshotEvery` events of its stream.
    public static func start(
        log: any EventStore,
        keys: any PersonalDataKeys,
        snapshotEvery: UInt64 = ShopService.snapshotEvery,
        logger: Logger = Logger(label: "strata.shop")
    ) async throws
        -> ShopService
    {
        let hasher = try await UniqueValueHasher.open(in: log)
        let registry = try registry(cipher: AESGCMCipher(keys: keys))
        let invalidations = ViewInvalidations()
        let statuses = ViewCache<Bool>(capacityBytes: 16 << 20)
        statuses.follow(invalidations)
        let runner = try ProjectionRunner(
            log: log,
            registry: registry,
            projections: projections(hasher: hasher),
            invalidations: invalidations,
            logger: logger
        )
        try await runner.start()
        let shop = ShopService(
            log: log,
            runner: runner,
            invalidations: invalidations,
            registry: registry,
            executor: CommandExecutor(
                log: log,
                registry: registry,
                hasher: hasher,
                snapshots: AggregateSnapshots(every: snapshotEvery, store: log, registry: registry),
                projections: runner
            ),
            keys: keys,
            hasher: hasher,
            statuses: statuses
        )
        // A crash may have come between an erasure's commit and its key's destruction.
        try await shop.finishPendingErasures()
        return shop
    }

    /// A new id for a user, session, product or order: a time-ordered UUID in lower case.
    public static func newId() -> String { UUIDv7.makeString() }

    /// Stops the async projections.
    public func stop() async { await runner.stop() }

    static func emailValue(_ email: String) -> UniqueValue {
        UniqueValue(kind: "email", value: email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased())
    }

    static func skuValue(_ sku: String) -> UniqueValue { UniqueValue(kind: "sku", value: sku) }

    static func checkVersion(_ expected: UInt64?, _ current: UInt64) throws {
        if let expected, expected != current { throw ShopError.versionMismatch(current: current) }
    }
}

extension ShopService {
    /// Runs `queries` where they may wait for the store (``EventStore/offload(_:)``): async code
    /// such as an HTTP handler asks through this, so that on a database server no cooperative
    /// thread waits for a round trip.
    public func reading<T: Sendable>(_ queries: @escaping @Sendable (ShopService) throws -> T) async throws -> T {
        try await log.offload { [self] in try queries(self) }
    }
}
