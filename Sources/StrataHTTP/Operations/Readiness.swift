import Synchronization

/// Whether the server may take traffic: set once the store is open and async projections run,
/// cleared when shutdown begins.
public final class Readiness: Sendable {
    private let ready = Atomic<Bool>(false)

    public init() {}

    public var isReady: Bool { ready.load(ordering: .acquiring) }

    public func set(_ value: Bool) { ready.store(value, ordering: .releasing) }
}
