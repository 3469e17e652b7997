/// A domain on Strata: its event types (with the upcasters that bring old shapes up to them), the
/// projections that turn them into read models, and the aggregates kept as snapshots. A process
/// lists its modules once, and ``StrataApp`` composes them; modules never reach into each other.
public protocol StrataModule: Sendable {
    /// A short name for logs and errors (`shop`, `identity`, `ledger`).
    var name: String { get }
    /// Every event type the module appends or reads, registered under its wire name.
    var eventTypes: [any Event.Type] { get }
    /// Upcasts from old wire names to the current ones, applied before decoding.
    var upcasters: [EventUpcaster] { get }
    /// The module's projections, made for one app (`context` gives what they may need).
    func projections(_ context: ModuleContext) -> [any Projection]
    /// The aggregates whose states are stored as snapshots on long streams.
    var snapshottingAggregates: [any SnapshottingAggregate.Type] { get }
}

extension StrataModule {
    public var upcasters: [EventUpcaster] { [] }
    public var snapshottingAggregates: [any SnapshottingAggregate.Type] { [] }
}

/// An upcast from an old wire name to the current one: `transform` rewrites the old payload in
/// place (``EventRegistry/upcast(from:to:_:)``).
public struct EventUpcaster: Sendable {
    /// The old wire name.
    public var from: String
    /// The wire name it becomes.
    public var to: String
    /// Rewrites an old payload into the new shape, in place.
    public var transform: @Sendable (inout JSONValue) throws -> Void

    /// An upcast from `from` to `to` by `transform`.
    public init(from: String, to: String, _ transform: @escaping @Sendable (inout JSONValue) throws -> Void) {
        self.from = from
        self.to = to
        self.transform = transform
    }
}

/// What a module's projections may need from the app that runs them.
public struct ModuleContext: Sendable {
    /// The hasher of unique values (emails, SKUs), keyed per store.
    public let hasher: UniqueValueHasher
    /// The wire names of every module's event types in this app.
    public let eventTypes: Set<String>
}
