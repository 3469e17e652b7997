import Synchronization

/// What a durable commit changed: views by key, or whole views (after a rebuild swapped them in).
public enum ViewInvalidation: Sendable, Hashable {
    /// These keys changed in the commit that made the log end at `position`.
    case keys([ViewKey], position: UInt64)
    /// Every key of `view` may have changed at `position`.
    case view(String, position: UInt64)
}

/// Where projections report which views a commit invalidated, and caches hear of it. The kit
/// knows only the names and positions; what a cache keeps (an HTTP body and its ETag, a user's
/// status) belongs to the layer that caches it.
public final class ViewInvalidations: Sendable {
    private let subscribers = Mutex<[@Sendable (ViewInvalidation) -> Void]>([])

    /// A channel no one follows yet.
    public init() {}

    /// Calls `handler` with every invalidation from now on, on the committing thread (keep it quick).
    public func subscribe(_ handler: @escaping @Sendable (ViewInvalidation) -> Void) {
        subscribers.withLock { $0.append(handler) }
    }

    /// Tells every subscriber.
    public func publish(_ invalidation: ViewInvalidation) {
        for handler in subscribers.withLock({ $0 }) { handler(invalidation) }
    }
}
