import StrataStore

/// What this process's writer knows of the committed database: stream versions and table rows it
/// read or wrote. It is exact for one `commits` count of the head row, which counts every write
/// transaction: when the head the writer locks shows that count, nothing changed and the cache
/// answers without a round trip; when others committed since, the writer catches the cache up
/// from `strata_changes` as it locks the head (``PostgresEventStore/lockHead(catchingUp:connection:)``).
/// Writer thread only.
final class WriterCache {
    /// How many commits `strata_changes` keeps.
    static let retainedCommits: Int64 = 4096
    /// Every this many commits, the writer prunes `strata_changes` beyond ``retainedCommits``.
    static let pruneEvery: Int64 = 512
    /// Behind by more than this many commits, the cache starts over rather than catching up.
    static let catchUpLimit: Int64 = 1024
    /// Beyond this many events from other writers, a catch-up leaves the tails to go stale.
    static let catchUpEvents: UInt64 = 2048

    /// How many of a stream's latest events the cache keeps.
    static let tailLength = 16

    /// The commit count this cache is exact for; `nil` when it knows nothing.
    private(set) var commits: Int64?
    /// The head position at ``commits``.
    private(set) var head: UInt64 = 0
    private var streams: [String: UInt64] = [:]
    /// Other writers' latest events by stream, contiguous in version, so that an aggregate another
    /// server moved on is brought up to date without reading the log.
    private var tails: [String: [RecordedEvent]] = [:]
    /// Rows by table id, of ``readTables`` only; `nil` marks a key known to be absent.
    private var rows: [Int32: [[UInt8]: [UInt8]?]] = [:]
    /// The tables whose rows this writer's batches read: the only ones it caches, and so the only
    /// ones whose rows a catch-up reads again when others changed them (a checkpoint, a
    /// product's stock). Rows of the tables it only writes would only cost memory and catch-ups.
    private(set) var readTables: Set<Int32> = []
    private var entries = 0
    /// Beyond this many remembered entries the cache starts over.
    let capacity: Int

    init(capacity: Int = 200_000) {
        self.capacity = capacity
    }

    /// Declares the cache exact for `current` at head `position` (after a catch-up, or empty).
    func settle(at current: Int64, head position: UInt64) {
        commits = current
        head = position
    }

    /// The stream's events from version `start` on, if the cache holds all of them up to the
    /// stream's known version.
    func events(_ streamId: String, from start: UInt64) -> ArraySlice<RecordedEvent>? {
        guard let version = streams[streamId], let tail = tails[streamId], let first = tail.first, let last = tail.last,
            first.streamVersion <= start, last.streamVersion == version
        else { return nil }
        return tail[Int(start - first.streamVersion)...]
    }

    /// Adds events committed in log order to the tails of their streams (`all`: start a tail for
    /// a stream that has none).
    func remember(events: some Sequence<RecordedEvent>, startingTails all: Bool) {
        for event in events {
            var tail = tails.removeValue(forKey: event.streamId) ?? []
            if tail.isEmpty && !all { continue }
            if let last = tail.last, last.streamVersion + 1 != event.streamVersion { tail.removeAll() }
            if tail.count == Self.tailLength { tail.removeFirst() } else { grow() }
            tail.append(event)
            tails[event.streamId] = tail
        }
    }

    /// Forgets every row of `table` (another writer emptied or dropped it).
    func forget(_ table: Int32) {
        guard let known = rows.removeValue(forKey: table) else { return }
        entries -= known.count
    }

    /// Forgets a row another writer changed: the next read asks the database.
    func forget(_ table: Int32, key: [UInt8]) {
        guard rows[table]?.removeValue(forKey: key) != nil else { return }
        entries -= 1
    }

    /// Forgets a stream's version and tail (another writer moved it on).
    func forget(stream streamId: String) {
        if streams.removeValue(forKey: streamId) != nil { entries -= 1 }
        if let tail = tails.removeValue(forKey: streamId) { entries -= tail.count }
    }

    func clear() {
        commits = nil
        streams.removeAll(keepingCapacity: true)
        tails.removeAll(keepingCapacity: true)
        rows.removeAll(keepingCapacity: true)
        entries = 0
    }

    func streamVersion(_ streamId: String) -> UInt64? { streams[streamId] }

    /// Marks `table` as read by this writer's batches.
    /// Nothing of a table is cached before this (``apply`` and catch-ups keep only read tables'
    /// rows), so its first read goes to the database.
    func noteRead(_ table: Int32) {
        readTables.insert(table)
    }

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

    /// Takes in a committed batch (`commits` is then the count it left, at head `position`).
    func apply(_ layer: WriteSet.Layer, commits committed: Int64, head position: UInt64) {
        remember(events: layer.events, startingTails: false)
        head = position
        for table in layer.cleared.union(layer.dropped) { forget(table) }
        for (table, entries) in layer.rows where readTables.contains(table) && !layer.dropped.contains(table) {
            for (key, value) in entries { remember(table, key: key, value: value) }
        }
        for (streamId, version) in layer.streams { remember(stream: streamId, version: version) }
        commits = committed
    }

    private func grow() {
        entries += 1
        if entries > capacity {
            let (keep, at) = (commits, head)
            clear()
            (commits, head) = (keep, at)
        }
    }
}
