import Foundation
import StrataKit
import StrataLog
import StrataStore

/// What `strata-admin stats` shows.
public struct StoreReport: Codable, Sendable {
    public var store: StoreStatistics
    /// How many aggregate snapshots are stored (``AggregateSnapshots``).
    public var snapshots: Int
    public var projections: [ProjectionStatus]
}

/// One event as `strata-admin events`, `show` and `tail` print it.
public struct EventSummary: Codable, Sendable {
    public var position: UInt64
    public var streamId: String
    public var version: UInt64
    public var type: String
    public var recordedAt: String
    public var data: JSONValue
    public var metadata: JSONValue

    public init(_ event: RecordedEvent) throws {
        let line = try ExportLine(event)
        position = line.position
        streamId = line.streamId
        version = line.version
        type = line.type
        recordedAt = line.recordedAt
        data = line.data
        metadata = line.metadata
    }
}

/// The read-only reports of `strata-admin`.
public enum AdminReports {
    /// The store's figures, its snapshots, and the status of every projection of `modules` (by
    /// default those the store's server recorded).
    public static func stats(_ log: any EventStore, modules: [any StrataModule]? = nil) throws -> StoreReport {
        let runner = try StoreLocation.app(log: log, keys: nil, hasher: nil, modules: try modules ?? ToolModules.of(log)).runner
        let snapshots = try log.withSnapshot { try AggregateSnapshots.count(in: $0, store: log) }
        return StoreReport(store: try log.storeStatistics(), snapshots: snapshots, projections: try runner.status())
    }

    /// Events after `after`, optionally of one stream or one type.
    public static func events(_ log: any EventStore, after: UInt64, limit: Int, stream: String?, type: String?) throws -> [RecordedEvent] {
        if let stream {
            return try log.readStream(stream).filter { $0.position > after && (type == nil || $0.type == type) }.prefix(limit).map { $0 }
        }
        if let type { return try log.readByType(type, after: after, limit: limit) }
        return try log.readAll(after: after, limit: limit)
    }

    /// The text table of events.
    public static func table(_ events: [RecordedEvent]) -> String {
        var table = TextTable(headers: ["POSITION", "STREAM", "VERSION", "TYPE", "RECORDED AT"], rightAligned: [0, 2])
        for event in events {
            table.add([
                String(event.position), event.streamId, String(event.streamVersion), event.type,
                MicrosecondTimestamp.format(event.recordedAtMicroseconds),
            ])
        }
        return table.rendered
    }

    /// JSON for machines, sorted keys.
    public static func json(_ value: some Encodable) throws -> String {
        String(decoding: try KitCoding.encode(value), as: UTF8.self)
    }
}
