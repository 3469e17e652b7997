import StrataStore

/// Keys of the log's tables. Names are UTF-8 without NUL, so `name · 0x00 · UInt64` keys group all
/// entries of one name together, in numeric order, and never mix "user-1" with "user-10".
enum IndexKeys {
    /// `streams` key: stream id, NUL, stream version.
    static func stream(_ streamId: String, version: UInt64) -> [UInt8] {
        named(streamId, number: version)
    }

    /// `types` key: type name, NUL, global position.
    static func type(_ type: String, position: UInt64) -> [UInt8] {
        named(type, number: position)
    }

    /// The prefix shared by every key of `name`.
    static func prefix(_ name: String) -> [UInt8] {
        var key = Array(name.utf8)
        key.append(0)
        return key
    }

    static func named(_ name: String, number: UInt64) -> [UInt8] {
        var key = prefix(name)
        key.reserveCapacity(key.count + 8)
        key.appendBigEndian(number)
        return key
    }

    /// Splits a `name · 0x00 · UInt64` key; `nil` when it is not one.
    static func split(_ key: UnsafeRawBufferPointer) -> (name: String, number: UInt64)? {
        guard key.count >= 10, key[key.count - 9] == 0 else { return nil }
        let name = String(decoding: UnsafeRawBufferPointer(rebasing: key[0..<key.count - 9]), as: UTF8.self)
        guard let number = UnsafeRawBufferPointer(rebasing: key[(key.count - 8)...]).bigEndianUInt64 else { return nil }
        return (name, number)
    }

    /// Whether `key` is `prefix` followed by exactly 8 bytes.
    static func matches(_ key: UnsafeRawBufferPointer, prefix: [UInt8]) -> Bool {
        key.count == prefix.count + 8 && key.starts(with: prefix)
    }
}
