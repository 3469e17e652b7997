/// Every event's metadata is written and read on the hot path, so it has a codec of its own
/// rather than Foundation's: the same JSON as `JSONEncoder` with sorted keys writes (absent
/// fields left out), read back by ``JSONParser``.
extension EventMetadata {
    /// `{"causationId":…,"correlationId":…,"userId":…}`, keys sorted, absent fields left out.
    public var jsonBytes: [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(16 + (causationId?.utf8.count ?? 0) + (correlationId?.utf8.count ?? 0) + (userId?.utf8.count ?? 0) + 40)
        var first = true
        for (name, value) in [("causationId", causationId), ("correlationId", correlationId), ("userId", userId)] {
            guard let value else { continue }
            if !first { bytes.append(UInt8(ascii: ",")) }
            first = false
            JSONText.appendString(name, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            JSONText.appendString(value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// Reads metadata written by any JSON writer: an object whose known members are strings or
    /// null; other members are ignored, as Codable's synthesized decoding ignores them.
    public init(jsonBytes bytes: [UInt8]) throws {
        guard case .object(let members) = try JSONParser.parse(bytes) else {
            throw JSONParseError(message: "metadata is not a JSON object", offset: 0)
        }
        func member(_ name: String) throws -> String? {
            switch members[name] {
            case nil, .null?: return nil
            case .string(let value)?: return value
            default: throw JSONParseError(message: "metadata member \(name) is not a string", offset: 0)
            }
        }
        self.init(correlationId: try member("correlationId"), causationId: try member("causationId"), userId: try member("userId"))
    }
}

/// Writing JSON text by hand where Codable is too slow.
public enum JSONText {
    /// Appends `text` as a JSON string: quotes, `\"`, `\\`, the short escapes for control
    /// characters that have one and `\u00XX` for the rest; `/` and everything else as it is.
    public static func appendString(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
