/// Every event's metadata is written and read on the hot path, so it has a codec of its own
/// rather than Foundation's: the same JSON as `JSONEncoder` with sorted keys writes (absent
/// fields left out), read back by ``JSONParser``.
extension EventMetadata {
    /// `{"causationId":…,"correlationId":…,"traceparent":…,"userId":…}`, keys sorted, absent
    /// fields left out.
    public var jsonBytes: [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(16 + (causationId?.utf8.count ?? 0) + (correlationId?.utf8.count ?? 0) + (userId?.utf8.count ?? 0) + (traceparent?.utf8.count ?? 0) + 56)
        var first = true
        for (name, value) in [("causationId", causationId), ("correlationId", correlationId), ("traceparent", traceparent), ("userId", userId)] {
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
        self.init(correlationId: try member("correlationId"), causationId: try member("causationId"), userId: try member("userId"), traceparent: try member("traceparent"))
    }
}
