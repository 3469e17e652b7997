import Foundation
import StrataStore

/// A projection's row in the `checkpoints` table: its version, the generation of tables that
/// serves reads, how far that generation has applied the log, and a generation being rebuilt.
///
/// Binary, big-endian: version `UInt32` · generation `UInt32` · position `UInt64` · rebuild
/// generation `UInt32` (0: none) · rebuild position `UInt64`. The inline hook reads it on every
/// append, so it is kept small and cheap to decode.
struct ProjectionCheckpoint: Hashable, Sendable {
    var version: UInt32
    var generation: UInt32
    var position: UInt64
    var rebuildGeneration: UInt32 = 0
    var rebuildPosition: UInt64 = 0

    var encoded: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(28)
        for value in [version, generation] { withUnsafeBytes(of: value.bigEndian) { bytes += $0 } }
        withUnsafeBytes(of: position.bigEndian) { bytes += $0 }
        withUnsafeBytes(of: rebuildGeneration.bigEndian) { bytes += $0 }
        withUnsafeBytes(of: rebuildPosition.bigEndian) { bytes += $0 }
        return bytes
    }

    init(version: UInt32, generation: UInt32, position: UInt64) {
        self.version = version
        self.generation = generation
        self.position = position
    }

    init?(_ bytes: [UInt8]) {
        guard bytes.count == 28 else { return nil }
        func integer<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T {
            bytes[offset..<offset + MemoryLayout<T>.size].reduce(T.zero) { $0 << 8 | T($1) }
        }
        version = integer(0, UInt32.self)
        generation = integer(4, UInt32.self)
        position = integer(8, UInt64.self)
        rebuildGeneration = integer(16, UInt32.self)
        rebuildPosition = integer(20, UInt64.self)
    }

    static func key(_ name: String) -> [UInt8] { Array(name.utf8) }

    /// The physical name of a projection's logical table in one generation.
    static func tableName(projection: String, generation: UInt32, table: ReadModelTable) -> String {
        "rm.\(projection).\(generation).\(table.name)"
    }
}

/// An event an async projection could not apply after several tries, set aside so the projection
/// moves on. It stays visible in the status and can be retried.
public struct ParkedEvent: Codable, Sendable, Hashable {
    public var projection: String
    public var position: UInt64
    /// The event's stream (absent in rows parked before it was kept).
    public var streamId: String?
    public var type: String
    /// The last failure.
    public var error: String
    public var attempts: Int
    /// When it was parked (absent in rows parked before it was kept).
    public var parkedAt: Date?

    public init(projection: String, position: UInt64, streamId: String?, type: String, error: String, attempts: Int, parkedAt: Date?) {
        self.projection = projection
        self.position = position
        self.streamId = streamId
        self.type = type
        self.error = error
        self.attempts = attempts
        self.parkedAt = parkedAt
    }
}

/// What retrying one parked event gave.
public enum ParkedRetryOutcome: Sendable, Hashable {
    /// It applied: it left the parked list, and the projection has it.
    case applied
    /// It failed again with this error, and stays parked (one more attempt counted).
    case stillFailing(ParkedEvent)
}

/// One projection's state, for operators.
public struct ProjectionStatus: Codable, Sendable, Hashable {
    public var name: String
    public var version: Int
    public var mode: ProjectionMode
    /// The log position its live tables reflect.
    public var position: UInt64
    /// How many events it trails the log by.
    public var lag: UInt64
    /// `live`, `catching_up`, `rebuilding`, or `stopped` (never started).
    public var status: String
    /// Events set aside.
    public var parked: Int
    /// How far a running rebuild has come.
    public var rebuildPosition: UInt64?
}

/// How far a rebuild has come.
public struct RebuildProgress: Sendable, Hashable {
    public var projection: String
    /// The last position applied to the rebuilt tables.
    public var position: UInt64
    /// The log's head now.
    public var head: UInt64
}

/// What a rebuild into scratch tables found, compared with the live tables.
public struct RebuildComparison: Codable, Sendable, Hashable {
    public var projection: String
    /// The tables whose rows differ (empty: the live read model is what the log says).
    public var differingTables: [String]
    /// The position the live tables reflect.
    public var livePosition: UInt64
    /// The position the rebuild reached.
    public var rebuiltPosition: UInt64

    /// Whether the live tables equal the rebuild.
    public var matches: Bool { differingTables.isEmpty }
}
