import LMDB
import StrataStore

/// The handles of the log's own tables: the events, their indexes and the store's metadata.
/// Every other table belongs to the layer that writes it.
struct LogTables: Sendable {
    static let events = "events"
    static let streams = "streams"
    static let heads = "heads"
    static let types = "types"
    static let typeTails = "typeTails"
    static let meta = "meta"
    static let all = [events, streams, heads, types, typeTails, meta]
    /// Names the log keeps for itself; hooks and jobs cannot write these.
    static let reserved: Set<String> = Set(all)

    let events: Database
    let streams: Database
    let heads: Database
    let types: Database
    let typeTails: Database
    let meta: Database

    init(_ open: (String) throws -> Database) throws {
        events = try open(Self.events)
        streams = try open(Self.streams)
        heads = try open(Self.heads)
        types = try open(Self.types)
        typeTails = try open(Self.typeTails)
        meta = try open(Self.meta)
    }
}

extension Table {
    init(_ database: Database) {
        self.init(name: database.name ?? "", handle: database.handle)
    }

    /// The LMDB database behind the table.
    var database: Database { Database(handle: handle, name: name) }

    /// Whether the log keeps this table for itself.
    var isReserved: Bool { LogTables.reserved.contains(name) }
}
