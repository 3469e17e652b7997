import Foundation
import StrataKit
import StrataTestSupport
import Testing

/// The hand-written JSON parser reads what Foundation's `JSONDecoder` reads into a `JSONValue`,
/// value for value, refuses what it refuses, and the metadata codec round-trips every value.
@Suite struct JSONParserTests {
    /// A deterministic generator (SplitMix64), so a failure names a seed that reproduces it.
    struct Generator {
        var random: SplitMix64
        init(state: UInt64) { random = SplitMix64(seed: state) }
        mutating func next() -> UInt64 { random.next() }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

        mutating func string() -> String {
            let pieces = ["a", "Zz", " ", "\"", "\\", "/", "\n", "\t", "\u{01}", "\u{1F}", "é", "€", "𝄞", "<img>", "0", "\u{7F}"]
            return (0..<below(6)).map { _ in pieces[below(pieces.count)] }.joined()
        }

        mutating func value(depth: Int = 0) -> JSONValue {
            switch below(depth > 3 ? 5 : 7) {
            case 0: return .null
            case 1: return .bool(below(2) == 0)
            case 2: return .integer(Int64(bitPattern: next()) >> Int64(below(64)))
            case 3: return .number(Double(Int64(bitPattern: next()) >> 24) + 0.25)
            case 4: return .string(string())
            case 5: return .array((0..<below(4)).map { _ in value(depth: depth + 1) })
            default: return .object(Dictionary((0..<below(4)).map { _ in (string(), value(depth: depth + 1)) }, uniquingKeysWith: { $1 }))
            }
        }
    }

    private func foundation(_ text: String) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    @Test func generatedDocumentsParseAsFoundationParsesThem() throws {
        var generator = Generator(state: 20_261_201)
        let encoder = JSONEncoder()
        for round in 0..<2_000 {
            let value = generator.value()
            encoder.outputFormatting = round % 2 == 0 ? [.sortedKeys] : [.prettyPrinted, .withoutEscapingSlashes]
            let text = String(decoding: try encoder.encode(value), as: UTF8.self)
            let parsed = try JSONParser.parse(Array(text.utf8))
            #expect(parsed == value, "round \(round): \(text)")
            #expect(parsed == foundation(text), "round \(round): \(text)")
        }
    }

    @Test func numbersStringsAndEdgesAgreeWithFoundation() throws {
        let documents = [
            "0", "-0", "3", "3.0", "3e2", "-1.5", "1E-2", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
            "1e300", "0.1", "  {\"a\" : [1, 2 , {\"b\":null}] }  ", "\"\\u00e9\\ud834\\udd1e\\/\\b\\f\\n\\r\\t\"", "[]", "{}",
            "{\"a\":1,\"a\":2}", "true", "false", "null", "\"\"",
        ]
        for text in documents {
            let parsed = try JSONParser.parse(Array(text.utf8))
            #expect(parsed == foundation(text), "\(text)")
        }
    }

    @Test func malformedDocumentsAreRefused() {
        let documents = [
            "", " ", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "\"abc", "\"\\x\"", "\"\\u12\"",
            "\"\\ud834\"", "\"\\udd1e\"", "\"a\u{01}b\"", "{a:1}", "[1 2]", "{\"a\" 1}", "1 2", "[1]]", "1e400", "NaN", "'a'",
            String(repeating: "[", count: 600) + String(repeating: "]", count: 600),
        ]
        for text in documents {
            #expect(throws: JSONParseError.self, "\(text.prefix(40))") { try JSONParser.parse(Array(text.utf8)) }
        }
        #expect(throws: JSONParseError.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func metadataRoundTripsAndMatchesCodable() throws {
        var generator = Generator(state: 7)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for round in 0..<1_000 {
            let pick = { (generator: inout Generator) -> String? in generator.below(3) == 0 ? nil : generator.string() }
            let metadata = EventMetadata(correlationId: pick(&generator), causationId: pick(&generator), userId: pick(&generator))
            let bytes = metadata.jsonBytes
            #expect(try EventMetadata(jsonBytes: bytes) == metadata, "round \(round)")
            #expect(try JSONDecoder().decode(EventMetadata.self, from: Data(bytes)) == metadata, "round \(round)")
            #expect(try EventMetadata(jsonBytes: Array(try encoder.encode(metadata))) == metadata, "round \(round)")
        }
        #expect(EventMetadata().jsonBytes == Array("{}".utf8))
        #expect(try EventMetadata(jsonBytes: Array(#"{"userId":null,"other":3}"#.utf8)) == EventMetadata())
        #expect(throws: (any Error).self) { try EventMetadata(jsonBytes: Array(#"{"userId":3}"#.utf8)) }
        #expect(throws: (any Error).self) { try EventMetadata(jsonBytes: Array("[]".utf8)) }
    }
}
