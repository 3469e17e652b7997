import Logging
import StrataStore

/// One process's composition of Strata: the single event registry, projection runner (the store's
/// one append hook), command executor, view invalidations and personal-data keys, shared by every
/// module it was given. The kit's own module (``KitModule``) is always part of it.
///
/// A server makes one with ``start(store:keys:modules:snapshotEvery:logger:)``; the tools make one
/// with ``init(store:keys:hasher:modules:snapshotEvery:logger:)`` and use its runner without
/// starting it.
public final class StrataApp: Sendable {
    /// The store everything is read from and appended to.
    public let store: any EventStore
    /// The personal-data keys, when the app may read or erase personal data.
    public let keys: (any PersonalDataKeys)?
    /// The modules, the kit's last.
    public let modules: [any StrataModule]
    /// Every module's event types and upcasters, with the personal-data cipher.
    public let registry: EventRegistry
    /// The hasher of unique values, keyed per store.
    public let hasher: UniqueValueHasher
    /// Where the views that commits changed are reported: response caches follow it.
    public let invalidations: ViewInvalidations
    /// Every module's projections.
    public let runner: ProjectionRunner
    /// Decides and appends every module's commands.
    public let executor: CommandExecutor
    /// How many events apart a long stream's snapshots are.
    public let snapshotEvery: UInt64

    /// How many events apart snapshots are unless told otherwise.
    public static let defaultSnapshotEvery: UInt64 = 1000

    /// Composes `modules` over an open store without starting anything: the tools' way (status,
    /// rebuilds, snapshots). `keys` may be left out where no personal data is read.
    ///
    /// - Throws: ``AppError`` when two modules share a name or an event type, and
    ///   ``ProjectionError`` when two projections share a name.
    public init(
        store: any EventStore,
        keys: (any PersonalDataKeys)?,
        hasher: UniqueValueHasher,
        modules: [any StrataModule],
        snapshotEvery: UInt64 = StrataApp.defaultSnapshotEvery,
        logger: Logger = Logger(label: "strata.app")
    ) throws {
        let modules = Self.withKit(modules)
        let registry = try Self.registry(of: modules, cipher: keys.map { AESGCMCipher(keys: $0) })
        let context = ModuleContext(hasher: hasher, eventTypes: Set(modules.flatMap { $0.eventTypes.map { $0.eventType } }))
        let invalidations = ViewInvalidations()
        let runner = try ProjectionRunner(
            log: store,
            registry: registry,
            projections: modules.flatMap { $0.projections(context) },
            invalidations: invalidations,
            logger: logger
        )
        self.store = store
        self.keys = keys
        self.modules = modules
        self.registry = registry
        self.hasher = hasher
        self.invalidations = invalidations
        self.runner = runner
        self.snapshotEvery = snapshotEvery
        self.executor = CommandExecutor(
            log: store,
            registry: registry,
            hasher: hasher,
            snapshots: AggregateSnapshots(every: snapshotEvery, store: store, registry: registry),
            projections: runner
        )
    }

    /// Composes `modules` over an open store and key store, and starts the projections: inline
    /// ones as the store's append hook, async ones following the log. Projections that are new or
    /// of another version are rebuilt before this returns. The module names are recorded in the
    /// store for the tools (``recordedModules(in:)``).
    public static func start(
        store: any EventStore,
        keys: any PersonalDataKeys,
        modules: [any StrataModule],
        snapshotEvery: UInt64 = StrataApp.defaultSnapshotEvery,
        logger: Logger = Logger(label: "strata.app")
    ) async throws -> StrataApp {
        let hasher = try await UniqueValueHasher.open(in: store)
        let app = try StrataApp(store: store, keys: keys, hasher: hasher, modules: modules, snapshotEvery: snapshotEvery, logger: logger)
        try await app.runner.start()
        try await app.recordModules()
        return app
    }

    /// The registry of every event type and upcaster of `modules` (and the kit's module, unless
    /// listed), decoding personal data with `cipher`.
    ///
    /// - Throws: ``AppError`` when two modules share a name or an event type.
    public static func registry(of modules: [any StrataModule], cipher: (any PersonalDataCipher)?) throws -> EventRegistry {
        let modules = withKit(modules)
        var names = Set<String>()
        for module in modules where !names.insert(module.name).inserted {
            throw AppError("module \(module.name) is listed twice")
        }
        var registry = EventRegistry()
        var owners: [String: String] = [:]
        for module in modules {
            for type in module.eventTypes {
                if let owner = owners.updateValue(module.name, forKey: type.eventType) {
                    throw AppError("event type \(type.eventType) belongs to both \(owner) and \(module.name)")
                }
                try registry.register(type)
            }
            for upcaster in module.upcasters { try registry.upcast(from: upcaster.from, to: upcaster.to, upcaster.transform) }
        }
        if let cipher { registry.setCodingInfo(cipher, forKey: .personalDataCipher) }
        return registry
    }

    /// `modules` with the kit's last, unless they list it.
    private static func withKit(_ modules: [any StrataModule]) -> [any StrataModule] {
        modules.contains { $0 is KitModule } ? modules : modules + [KitModule()]
    }

    /// The aggregates every module keeps as snapshots.
    public var snapshottingAggregates: [any SnapshottingAggregate.Type] { modules.flatMap(\.snapshottingAggregates) }

    /// The module of type `M`, if the app has one.
    public func module<M: StrataModule>(_ type: M.Type) -> M? {
        modules.lazy.compactMap { $0 as? M }.first
    }

    /// Stops the async projections.
    public func stop() async { await runner.stop() }
}

/// Why an app could not be composed.
public struct AppError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong with the composition.
    public let message: String
    public var description: String { message }
    /// An error saying `message`.
    public init(_ message: String) { self.message = message }
}
