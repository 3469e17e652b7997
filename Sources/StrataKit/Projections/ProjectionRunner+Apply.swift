import StrataStore

/// An event made ready for one projection before its batch's transaction: decoded as far as the
/// projection needs, so that the writer — which holds the store's write lock while it applies
/// the batch — spends none of that time decoding.
enum PreparedEvent: Sendable {
    /// The projection does not handle the event's type.
    case skipped
    /// The metadata, for a ``MetadataProjection``.
    case metadata(EventMetadata)
    case decoded(Envelope)
    /// Decoding failed: it is tried again inside the transaction, whose failure then sets the
    /// batch apart event by event as any failing event does.
    case undecoded
}

extension ProjectionRunner {
    /// Applies one stored event to `projection`, if it handles the event's type, decoding no more
    /// than it needs: nothing when `envelope` holds the decoded event already (it is filled in for
    /// the next projection), only the metadata for a ``MetadataProjection``.
    func apply(_ event: RecordedEvent, envelope: inout Envelope?, to projection: any Projection, store: ProjectionStore) throws {
        guard let type = registry.currentType(of: event.type), projection.eventTypes.contains(type) else { return }
        if envelope == nil, !(projection is any MetadataProjection) { envelope = try registry.decode(event) }
        try apply(event, handledBy: projection, decoded: envelope, store: store)
    }

    /// Applies `event`, which `projection` handles, from its envelope when it was decoded already
    /// (else decoding as much as the projection needs).
    func apply(_ event: RecordedEvent, handledBy projection: any Projection, decoded: Envelope?, store: ProjectionStore) throws {
        if let indexer = projection as? any MetadataProjection {
            let metadata = try decoded?.metadata ?? registry.metadata(of: event)
            return try indexer.apply(position: event.position, streamId: event.streamId, metadata: metadata, to: store)
        }
        try projection.apply(try decoded ?? registry.decode(event), to: store)
    }

    /// Decodes `event` as far as `projection` needs, outside any transaction — nothing when this
    /// process decided it (`DecidedEnvelopes`).
    func prepare(_ event: RecordedEvent, for projection: any Projection) -> PreparedEvent {
        guard let type = registry.currentType(of: event.type), projection.eventTypes.contains(type) else { return .skipped }
        if let envelope = decided?.envelope(of: event) {
            return projection is any MetadataProjection ? .metadata(envelope.metadata) : .decoded(envelope)
        }
        if projection is any MetadataProjection {
            return (try? registry.metadata(of: event)).map(PreparedEvent.metadata) ?? .undecoded
        }
        return (try? registry.decode(event)).map(PreparedEvent.decoded) ?? .undecoded
    }

    /// Applies an event `prepare` made ready for `projection`.
    func apply(_ prepared: PreparedEvent, of event: RecordedEvent, to projection: any Projection, store: ProjectionStore) throws {
        switch prepared {
        case .skipped: return
        case .metadata(let metadata):
            guard let indexer = projection as? any MetadataProjection else { return }
            try indexer.apply(position: event.position, streamId: event.streamId, metadata: metadata, to: store)
        case .decoded(let envelope): try projection.apply(envelope, to: store)
        case .undecoded:
            var envelope: Envelope?
            try apply(event, envelope: &envelope, to: projection, store: store)
        }
    }
}
