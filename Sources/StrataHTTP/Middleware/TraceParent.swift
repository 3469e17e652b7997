import HTTPTypes

/// The W3C Trace Context `traceparent` header: `version-traceid-parentid-flags`, lowercase hex.
public enum TraceParent {
    /// Whether `value` is a `traceparent` to keep: version `00` exactly 55 characters (a later
    /// version at least that, its first four fields as version 00's), neither id all zeros,
    /// version not `ff`.
    public static func isValid(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count >= 55, bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"), bytes[52] == UInt8(ascii: "-") else { return false }
        let version = bytes[0..<2], traceId = bytes[3..<35], parentId = bytes[36..<52], flags = bytes[53..<55]
        guard [version, traceId, parentId, flags].allSatisfy({ $0.allSatisfy(isLowerHex) }) else { return false }
        guard !(version.elementsEqual("ff".utf8)) else { return false }
        if version.elementsEqual("00".utf8) {
            guard bytes.count == 55 else { return false }
        } else if bytes.count > 55, bytes[55] != UInt8(ascii: "-") {
            return false
        }
        return traceId.contains { $0 != UInt8(ascii: "0") } && parentId.contains { $0 != UInt8(ascii: "0") }
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (97...102).contains(byte)
    }
}

extension HTTPField.Name {
    /// `traceparent` (W3C Trace Context).
    public static var traceparent: Self { Self("traceparent")! }
}
