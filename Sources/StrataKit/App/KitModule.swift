/// The kit's own module, part of every app: the reservations of unique values, and the
/// correlations projection that indexes every module's events by the request that appended them.
public struct KitModule: StrataModule {
    public let name = "kit"
    public let eventTypes: [any Event.Type] = [UniqueValueReserved.self, UniqueValueReleased.self]

    /// The kit's module; ``StrataApp`` adds it by itself.
    public init() {}

    public func projections(_ context: ModuleContext) -> [any Projection] {
        [CorrelationsProjection(eventTypes: context.eventTypes)]
    }
}
