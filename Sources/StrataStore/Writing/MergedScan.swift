/// A scan of a table's stored rows with changes not yet stored laid over them: a PostgreSQL
/// transaction's own writes over the database's rows, a rebuild's staged batches over a snapshot.
/// A pending row replaces the stored row with its key, and a pending deletion (`nil`) hides it.
public enum MergedScan {
    /// A pending row: its new value, or `nil` where it was deleted.
    public typealias Entry = (key: [UInt8], value: [UInt8]?)

    /// `entries` from `start` on (inclusive) in the order of `direction`.
    public static func ordered(_ entries: some Sequence<Entry>, from start: [UInt8]?, direction: ScanDirection) -> [Entry] {
        let forward = direction == .forward
        func before(_ a: [UInt8], _ b: [UInt8]) -> Bool { forward ? a.lexicographicallyPrecedes(b) : b.lexicographicallyPrecedes(a) }
        return entries.filter { entry in start.map { !before(entry.key, $0) } ?? true }.sorted { before($0.key, $1.key) }
    }

    /// Calls `body` with every row in `direction` order until it returns `false`: the rows
    /// `stored` walks (a scan from the same start in the same direction) merged with `pending`
    /// (``ordered(_:from:direction:)``).
    public static func run(
        pending: [Entry],
        direction: ScanDirection,
        stored: (_ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool) throws -> Void,
        _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        // `stored` calls back into `body`: two non-escaping closures, one run inside the other.
        try withoutActuallyEscaping(body) { body in try merge(pending, direction, stored, body) }
    }

    private static func merge(
        _ pending: [Entry],
        _ direction: ScanDirection,
        _ stored: (_ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool) throws -> Void,
        _ body: @escaping (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        var next = 0
        var stopped = false
        /// Whether `a` comes before the stored `b` in the scan's direction.
        func before(_ a: [UInt8], _ b: UnsafeRawBufferPointer) -> Bool {
            direction == .forward ? a.lexicographicallyPrecedes(b) : b.lexicographicallyPrecedes(a)
        }
        func emit(_ entry: Entry) throws -> Bool {
            guard let value = entry.value else { return true }
            return try entry.key.withUnsafeBytes { key in try value.withUnsafeBytes { try body(key, $0) } }
        }
        try stored { key, value in
            while next < pending.count, before(pending[next].key, key) {
                next += 1
                guard try emit(pending[next - 1]) else {
                    stopped = true
                    return false
                }
            }
            if next < pending.count, pending[next].key.elementsEqual(key) {
                next += 1
                stopped = !(try emit(pending[next - 1]))
                return !stopped
            }
            stopped = !(try body(key, value))
            return !stopped
        }
        while !stopped, next < pending.count {
            next += 1
            stopped = !(try emit(pending[next - 1]))
        }
    }
}
