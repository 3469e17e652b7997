/// A run of ascending log positions stored as LEB128 varints: the first position, then each
/// later one's distance from the one before. A run of 32 nearby positions takes a few dozen bytes
/// instead of 32 index entries.
enum PositionRun {
    static func encode(_ positions: [UInt64], into bytes: inout [UInt8]) {
        var previous: UInt64 = 0
        for position in positions {
            bytes.appendVarint(position - previous)
            previous = position
        }
    }

    static func encode(_ positions: [UInt64]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(positions.count * 2 + 8)
        encode(positions, into: &bytes)
        return bytes
    }

    /// Decodes the rest of `reader`; `nil` when malformed or not strictly ascending.
    static func decode(_ reader: inout ByteReader) -> [UInt64]? {
        var positions: [UInt64] = []
        var previous: UInt64 = 0
        while reader.remaining > 0 {
            guard let delta = reader.readVarint(), delta > 0 || positions.isEmpty else { return nil }
            let (position, overflow) = previous.addingReportingOverflow(delta)
            guard !overflow else { return nil }
            positions.append(position)
            previous = position
        }
        return positions
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) -> [UInt64]? {
        var reader = ByteReader(bytes)
        return decode(&reader)
    }
}
