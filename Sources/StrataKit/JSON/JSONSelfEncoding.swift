import Foundation

/// A type that writes its own JSON: exactly the bytes ``JSONByteEncoder`` — and Foundation's
/// encoder as ``KitCoding`` sets it up — would write for it: members in the order of their names'
/// UTF-8 bytes, strings as ``JSONText/appendString(_:to:)`` escapes them, dates as ``RFC3339``,
/// an optional left out when `nil`. For the rows and events on every order's path, whose
/// `Encodable` machinery was most of what encoding them cost. A type whose encoding needs the
/// encoder's `userInfo` (sealed personal data) must not adopt it: this path has none.
public protocol JSONSelfEncoding: Encodable {
    func appendJSON(to bytes: inout [UInt8])
}

extension JSONText {
    /// Appends `,` (unless `first`) and `"name":`; `name` must need no escaping.
    public static func appendMember(_ name: StaticString, first: Bool = false, to bytes: inout [UInt8]) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// Appends an integer in decimal, as JSON writes it.
    public static func appendInteger(_ value: some BinaryInteger, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = UInt64(value.magnitude)
        let start = bytes.count
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        bytes[start...].reverse()
    }

    /// Appends a date as the JSON string ``RFC3339/string(from:)`` gives.
    public static func appendDate(_ date: Date, to bytes: inout [UInt8]) {
        appendString(RFC3339.string(from: date), to: &bytes)
    }

    /// Appends `[`, each element as `append` writes it, commas between, and `]`.
    public static func appendArray<Element>(_ elements: [Element], to bytes: inout [UInt8], _ append: (Element, inout [UInt8]) -> Void) {
        bytes.append(UInt8(ascii: "["))
        for (index, element) in elements.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            append(element, &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }
}
