/// What this process's writer knows of the committed database: stream versions and table rows it
/// read or wrote. It is exact while no one else has committed, which the writer learns from the
/// head row it locks first: `commits` counts every write transaction, so when the count is the
/// one this writer left, nothing changed in between and the cache answers without a round trip.
/// Any other count (another server, or a tool, committed) empties it. Writer thread only.
final class WriterCache {
    /// The commit count this cache is exact for; `nil` when it knows nothing.
    private(set) var commits: Int64?
    private var streams: [String: UInt64] = [:]
    /// Rows by table id; `nil` marks a key known to be absent.
    private var rows: [Int32: [[UInt8]: [UInt8]?]] = [:]
    private var entries = 0
    /// Beyond this many remembered entries the cache starts over.
    let capacity: Int

    init(capacity: Int = 200_000) {
        self.capacity = capacity
    }

    /// Called with the head row's count once its lock is held: keeps the cache only if no one
    /// else has committed since this writer did.
    func validate(commits current: Int64) {
        if commits != current { clear() }
        commits = current
    }

    func clear() {
        commits = nil
        streams.removeAll(keepingCapacity: true)
        rows.removeAll(keepingCapacity: true)
        entries = 0
    }

    func streamVersion(_ streamId: String) -> UInt64? { streams[streamId] }

    /// A row's value: `.some(nil)` when known absent, `nil` when unknown.
    func row(_ table: Int32, key: [UInt8]) -> [UInt8]?? {
        guard let known = rows[table], let index = known.index(forKey: key) else { return nil }
        return .some(known[index].value)
    }

    func remember(stream streamId: String, version: UInt64) {
        guard streams.updateValue(version, forKey: streamId) == nil else { return }
        grow()
    }

    func remember(_ table: Int32, key: [UInt8], value: [UInt8]?) {
        guard rows[table, default: [:]].updateValue(value, forKey: key) == nil else { return }
        grow()
    }

    /// Takes in a committed batch (`commits` is then the count it left).
    func apply(_ layer: WriteSet.Layer, commits committed: Int64) {
        for table in layer.cleared.union(layer.dropped) { rows[table] = nil }
        for (table, entries) in layer.rows where !layer.dropped.contains(table) {
            for (key, value) in entries { remember(table, key: key, value: value) }
        }
        for (streamId, version) in layer.streams { remember(stream: streamId, version: version) }
        commits = committed
    }

    private func grow() {
        entries += 1
        if entries > capacity {
            let keep = commits
            clear()
            commits = keep
        }
    }
}
