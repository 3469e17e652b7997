import StrataStore

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

extension Aggregate {
    /// Folds into `state` the events of `streamId` after `version` up to `current`, read a
    /// thousand at a time and decoded by `registry`; `version` ends at the last one folded (short
    /// of `current` only when the stream ends first). Returns how many were folded.
    static func fold(
        _ state: inout Self,
        streamId: String,
        from version: inout UInt64,
        to current: UInt64,
        reading reader: any StreamReading,
        registry: EventRegistry
    ) throws -> UInt64 {
        var folded: UInt64 = 0
        while version < current {
            let events = try reader.readStream(streamId, from: version + 1, limit: 1000)
            guard !events.isEmpty else { break }
            for recorded in events { state.apply(try registry.event(of: recorded)) }
            version = events[events.count - 1].streamVersion
            folded += UInt64(events.count)
        }
        return folded
    }
}
