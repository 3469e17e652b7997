/// One stored snapshot: what it was made by and for, then the state's JSON.
///
/// Bytes: format `UInt8` (1) · the aggregate's ``SnapshottingAggregate/snapshotVersion``
/// `UInt32` · the fingerprint of the aggregate's category and the registry's upcasters `UInt64` ·
/// the stream version the state reflects `UInt64` (all big-endian) · the state's JSON.
struct SnapshotRecord: Equatable {
    static let format: UInt8 = 1
    static let headerSize = 21

    var snapshotVersion: UInt32
    var fingerprint: UInt64
    var streamVersion: UInt64
    var state: [UInt8]

    var encoded: [UInt8] {
        var bytes: [UInt8] = [Self.format]
        bytes.reserveCapacity(Self.headerSize + state.count)
        append(snapshotVersion, to: &bytes)
        append(fingerprint, to: &bytes)
        append(streamVersion, to: &bytes)
        bytes += state
        return bytes
    }

    /// The record in `bytes`, or `nil` when they are not one of this format.
    init?(_ bytes: [UInt8]) {
        guard bytes.count >= Self.headerSize, bytes[0] == Self.format else { return nil }
        snapshotVersion = UInt32(truncatingIfNeeded: Self.integer(bytes, at: 1, width: 4))
        fingerprint = Self.integer(bytes, at: 5, width: 8)
        streamVersion = Self.integer(bytes, at: 13, width: 8)
        state = Array(bytes[Self.headerSize...])
    }

    init(snapshotVersion: UInt32, fingerprint: UInt64, streamVersion: UInt64, state: [UInt8]) {
        self.snapshotVersion = snapshotVersion
        self.fingerprint = fingerprint
        self.streamVersion = streamVersion
        self.state = state
    }

    private static func integer(_ bytes: [UInt8], at offset: Int, width: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in offset..<(offset + width) { value = value << 8 | UInt64(bytes[index]) }
        return value
    }

    private func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }
}
