import Foundation

/// Events by the request that appended them: every event's position under its correlation id and
/// (when it differs) its causation id, so an operator can see everything one request did, and what
/// it caused. Async: it never slows the write path, and trails the log by a batch at most.
public struct CorrelationsProjection: MetadataProjection {
    /// The projection's name, for reading it.
    public static let projectionName = "correlations"
    public static let byRequest: ReadModelTable = "byRequest"

    public let name = projectionName
    public let version = 1
    public let mode = ProjectionMode.async
    public let eventTypes: Set<String>
    public let tables: [ReadModelTable] = [byRequest]
    public let views: Set<ViewName> = []

    /// `eventTypes`: every type of the registry (the projection indexes them all).
    public init(eventTypes: Set<String>) {
        self.eventTypes = eventTypes
    }

    public func apply(position: UInt64, streamId: String, metadata: EventMetadata, to store: ProjectionStore) throws {
        let ids = Set([metadata.correlationId, metadata.causationId].compactMap { $0 }.filter { !$0.isEmpty })
        for id in ids { try store.put(Self.byRequest, key: Self.key(id, position), value: []) }
    }

    static func key(_ id: String, _ position: UInt64) -> [UInt8] {
        var key = Array(id.utf8) + [0]
        withUnsafeBytes(of: position.bigEndian) { key += $0 }
        return key
    }

    /// The positions of the events appended by request `id` or caused by it, in log order, at most `limit`.
    public static func positions(of id: String, in reader: ReadModelReader, limit: Int) throws -> [UInt64] {
        let prefix = Array(id.utf8) + [0]
        var positions: [UInt64] = []
        try reader.scan(byRequest, from: prefix) { key, _ in
            guard key.starts(with: prefix), key.count == prefix.count + 8 else { return false }
            positions.append(key[prefix.count...].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            return positions.count < limit
        }
        return positions
    }
}
