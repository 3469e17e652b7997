import StrataStore

/// A batch of a rebuild as read and decoded before it is applied, beside the applying: the
/// events, each decoded once when a projection that is not a ``MetadataProjection`` handles it,
/// and for each event which of the chosen projections handle it — found once per event type, so
/// applying costs no type lookups per event and projection.
struct RebuildBatch: Sendable {
    var events: [RecordedEvent]
    /// Parallel to `events`; `nil` when no projection needs the event decoded, or when decoding
    /// failed (applying decodes it again, and fails where that is handled).
    var envelopes: [Envelope?]
    /// Parallel to `events`: bit `i` set when `chosen[i]` handles the event.
    var handlers: [UInt64]

    /// Reads and decodes `events` for `chosen` (at most 64 projections).
    init(_ events: [RecordedEvent], for chosen: [any Projection], registry: EventRegistry) {
        self.events = events
        var masks: [String: (mask: UInt64, decode: Bool)] = [:]
        envelopes = []
        envelopes.reserveCapacity(events.count)
        handlers = []
        handlers.reserveCapacity(events.count)
        for event in events {
            let found = masks[event.type] ?? {
                var mask: UInt64 = 0
                var decode = false
                if let type = registry.currentType(of: event.type) {
                    for (index, projection) in chosen.enumerated().prefix(64) where projection.eventTypes.contains(type) {
                        mask |= 1 << UInt64(index)
                        if !(projection is any MetadataProjection) { decode = true }
                    }
                }
                masks[event.type] = (mask, decode)
                return (mask, decode)
            }()
            handlers.append(found.mask)
            envelopes.append(found.decode ? try? registry.decode(event) : nil)
        }
    }
}
