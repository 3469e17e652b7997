import StrataStore

extension ProjectionRunner {
    /// Applies one stored event to `projection`, if it handles the event's type, decoding no more
    /// than it needs: nothing when `envelope` holds the decoded event already (it is filled in for
    /// the next projection), only the metadata for a ``MetadataProjection``.
    func apply(_ event: RecordedEvent, envelope: inout Envelope?, to projection: any Projection, store: ProjectionStore) throws {
        guard let type = registry.currentType(of: event.type), projection.eventTypes.contains(type) else { return }
        if envelope == nil, let indexer = projection as? any MetadataProjection {
            try indexer.apply(position: event.position, streamId: event.streamId, metadata: try registry.metadata(of: event), to: store)
            return
        }
        let decoded = try envelope ?? registry.decode(event)
        envelope = decoded
        try projection.apply(decoded, to: store)
    }
}
