/// Key encodings of the shop's read-model tables.
enum Keys {
    static func text(_ value: String) -> [UInt8] { Array(value.utf8) }

    /// `a · 0x00 · b`: groups by `a`, ordered by `b`.
    static func pair(_ first: String, _ second: [UInt8]) -> [UInt8] { Array(first.utf8) + [0] + second }

    /// Newest first: positions inverted, big-endian.
    static func newestFirst(_ position: UInt64) -> [UInt8] {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: (UInt64.max - position).bigEndian) { bytes += $0 }
        return bytes
    }
}
