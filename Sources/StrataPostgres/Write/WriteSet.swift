import StrataStore

/// What the writer's transaction has written and not yet sent to PostgreSQL: events, stream
/// versions and table rows, in layers. Each job (and each append inside one) works in a layer of
/// its own, merged into the one below when it succeeds and thrown away when it fails — so one
/// request's failure leaves the others of its batch, without a savepoint round trip. Reads look
/// here first, then in the database; the whole set is sent in one statement at commit.
final class WriteSet {
    /// One level of writes.
    struct Layer {
        var events: [RecordedEvent] = []
        var streams: [String: UInt64] = [:]
        var newStreams = 0
        /// Rows by table id; `nil` marks a deleted key.
        var rows: [Int32: [[UInt8]: [UInt8]?]] = [:]
        /// Tables emptied here: the database's rows (and lower layers') no longer count.
        var cleared: Set<Int32> = []
        var dropped: Set<Int32> = []
        /// Tables created in this layer, by name.
        var created: [String: Int32] = [:]
        var afterCommit: [@Sendable () -> Void] = []
        /// Notes for the other servers (``StoreTransaction/note(_:)``), kept in `strata_changes`.
        var notes: [String] = []
    }

    /// What a table's key reads as here.
    enum Lookup {
        case value([UInt8])
        case deleted
        case unknown
    }

    /// The head when the transaction began (its lock taken).
    let base: UInt64
    private(set) var layers: [Layer] = [Layer()]
    /// Tables created by layers that failed: deleted again at commit.
    private(set) var abandonedTables: [Int32] = []

    init(base: UInt64) {
        self.base = base
    }

    var top: Layer {
        get { layers[layers.count - 1] }
        _modify { yield &layers[layers.count - 1] }
    }

    /// The head including every event written here.
    var head: UInt64 { base + UInt64(layers.reduce(0) { $0 + $1.events.count }) }

    func push() { layers.append(Layer()) }

    /// Ends the top layer: merged into the one below when `keep`, else thrown away.
    func pop(keep: Bool) {
        let layer = layers.removeLast()
        guard keep else {
            abandonedTables += layer.created.values
            return
        }
        var below = layers.removeLast()
        for table in layer.cleared {
            below.rows[table] = nil
            below.cleared.insert(table)
        }
        below.dropped.formUnion(layer.dropped)
        for (table, entries) in layer.rows { below.rows[table, default: [:]].merge(entries) { $1 } }
        below.events += layer.events
        below.streams.merge(layer.streams) { $1 }
        below.newStreams += layer.newStreams
        below.created.merge(layer.created) { $1 }
        below.afterCommit += layer.afterCommit
        below.notes += layer.notes
        layers.append(below)
    }

    // MARK: Reading through

    func streamVersion(_ streamId: String) -> UInt64? {
        for layer in layers.reversed() { if let version = layer.streams[streamId] { return version } }
        return nil
    }

    /// Events written here, in log order.
    var events: [RecordedEvent] { layers.flatMap(\.events) }

    func row(_ table: Int32, key: [UInt8]) -> Lookup {
        for layer in layers.reversed() {
            if let entry = layer.rows[table]?[key] { return entry.map(Lookup.value) ?? .deleted }
            if layer.cleared.contains(table) { return .deleted }
        }
        return .unknown
    }

    /// The rows written here for `table` (`nil`: deleted), and whether the database's rows are hidden.
    func rows(of table: Int32) -> (entries: [[UInt8]: [UInt8]?], hidesDatabase: Bool) {
        var entries: [[UInt8]: [UInt8]?] = [:]
        var hides = false
        for layer in layers {
            if layer.cleared.contains(table) {
                entries = [:]
                hides = true
            }
            if let written = layer.rows[table] { entries.merge(written) { $1 } }
        }
        return (entries, hides)
    }

    func createdTable(named name: String) -> Int32? {
        for layer in layers.reversed() { if let id = layer.created[name] { return id } }
        return nil
    }

    func isDropped(_ table: Int32) -> Bool {
        layers.contains { $0.dropped.contains(table) }
    }

    // MARK: Writing

    func put(_ table: Int32, key: [UInt8], value: [UInt8]) {
        top.rows[table, default: [:]][key] = .some(value)
    }

    func delete(_ table: Int32, key: [UInt8]) {
        top.rows[table, default: [:]][key] = .some(nil)
    }

    func clear(_ table: Int32) {
        top.rows[table] = nil
        top.cleared.insert(table)
    }

    func drop(_ table: Int32) {
        clear(table)
        top.dropped.insert(table)
    }

    /// The single layer left once every job has ended.
    var final: Layer { layers[0] }
}
