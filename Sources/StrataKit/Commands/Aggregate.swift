/// A consistency boundary whose state is a value folded from its stream's events by a pure
/// `apply`. Decisions are plain methods of the state that return new events or throw a domain
/// error, so they are tested without disk or HTTP.
public protocol Aggregate: Sendable {
    /// The stream category: an aggregate with id `x` lives in stream `"<category>-x"`.
    static var category: String { get }
    /// The state before any event.
    init()
    /// Folds one event into the state. Events of other aggregates never reach it.
    mutating func apply(_ event: any Event)
}

extension Aggregate {
    /// The stream id of the aggregate with `id`.
    public static func streamId(_ id: String) -> String { "\(category)-\(id)" }

    /// The state after `events`, from the empty state.
    public static func folding(_ events: [any Event]) -> Self {
        var state = Self()
        for event in events { state.apply(event) }
        return state
    }
}
