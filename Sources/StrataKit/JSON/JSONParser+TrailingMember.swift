extension JSONParser {
    /// The value of the member called `name` when it is the last member of the top-level object
    /// of a valid document and a plain integer (`…,"version":12}`), read from the end without
    /// parsing the rest; `nil` otherwise (then parse the document). A row written with sorted
    /// keys ends with its alphabetically last member, so its version is found this way.
    public static func trailingInteger(_ name: StaticString, in bytes: [UInt8]) -> Int64? {
        var cursor = bytes.count
        func skipWhitespace() {
            while cursor > 0, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[cursor - 1]) { cursor -= 1 }
        }
        /// Steps back over `byte` if it is the one before the cursor.
        func take(_ byte: UInt8) -> Bool {
            guard cursor > 0, bytes[cursor - 1] == byte else { return false }
            cursor -= 1
            return true
        }
        skipWhitespace()
        guard take(UInt8(ascii: "}")) else { return nil }
        skipWhitespace()
        let end = cursor
        while cursor > 0, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[cursor - 1]) { cursor -= 1 }
        let digits = cursor..<end
        guard !digits.isEmpty, digits.count <= 18, digits.count == 1 || bytes[digits.lowerBound] != UInt8(ascii: "0") else { return nil }
        let negative = take(UInt8(ascii: "-"))
        skipWhitespace()
        guard take(UInt8(ascii: ":")) else { return nil }
        skipWhitespace()
        // `"name"`, after `{` or `,`: a member's name, not the inside of a string.
        var member: [UInt8] = [UInt8(ascii: "\"")]
        name.withUTF8Buffer { member.append(contentsOf: $0) }
        member.append(UInt8(ascii: "\""))
        guard cursor >= member.count, bytes[(cursor - member.count)..<cursor].elementsEqual(member) else { return nil }
        cursor -= member.count
        skipWhitespace()
        guard take(UInt8(ascii: ",")) || take(UInt8(ascii: "{")) else { return nil }
        var value: Int64 = 0
        for byte in bytes[digits] { value = value * 10 + Int64(byte - UInt8(ascii: "0")) }
        return negative ? -value : value
    }
}
