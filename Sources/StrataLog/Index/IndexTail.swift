/// The newest index entries of one stream (or one event type), kept packed in a single small value
/// instead of one B-tree entry each.
///
/// Appending one event to each of 64 streams would otherwise dirty 64 leaf pages of the `streams`
/// index in one commit, and every dirty page is written and fsynced. The `heads` table holds many
/// streams per page, so the tail of each stream's index lives there: `version` followed by the
/// positions of the last `positions.count` versions. When a tail is full, it moves to the `streams`
/// index as one entry keyed by its last version (see ``PositionRun``). Types work the same way, in
/// the `typeTails` table, with the `types` index behind it keyed by each run's last position.
///
/// Encoding: the `UInt64` version (big-endian; 0 for types), then the first position and each
/// later position's distance from the one before as LEB128 varints — usually a byte or two each.
/// A plain 8-byte value is a stream with an empty tail.
struct IndexTail: Equatable {
    /// The stream's current version (0 for type tails).
    var version: UInt64
    /// Positions of the newest entries, oldest first.
    var positions: [UInt64]

    /// Entries a stream tail holds before it moves to the `streams` index.
    static let streamCapacity = 32
    /// Entries a type tail holds before it moves to the `types` index.
    static let typeCapacity = 64

    init(version: UInt64, positions: [UInt64]) {
        self.version = version
        self.positions = positions
    }

    init?(_ bytes: UnsafeRawBufferPointer) {
        var reader = ByteReader(bytes)
        guard let version = reader.read(UInt64.self), let positions = PositionRun.decode(&reader) else { return nil }
        self.version = version
        self.positions = positions
    }

    var encoded: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + 2 * positions.count)
        bytes.appendBigEndian(version)
        PositionRun.encode(positions, into: &bytes)
        return bytes
    }

    /// For a stream tail: the version of its first entry.
    var firstVersion: UInt64 { version - UInt64(positions.count) + 1 }

    /// For a stream tail: the position of `version`, when the tail holds it.
    func position(ofVersion wanted: UInt64) -> UInt64? {
        guard !positions.isEmpty, wanted >= firstVersion, wanted <= version else { return nil }
        return positions[Int(wanted - firstVersion)]
    }
}
