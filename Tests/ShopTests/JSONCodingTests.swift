import Identity
import ShopTestSupport
import Foundation
@testable import Shop
import StrataKit
import StrataTestSupport
import Testing

/// The hand-written JSON encoder writes Foundation's bytes exactly (sorted keys, escapes, numbers,
/// dates), so rows written before it still equal rebuilt ones; the decoder reads back the same
/// values Foundation's decoder reads.
@Suite struct JSONCodingTests {
    private let foundationEncoder = KitCoding.encoder()
    private let foundationDecoder = KitCoding.decoder()
    private let encoder = JSONByteEncoder()
    private let decoder = JSONByteDecoder()

    struct Mixed: Codable, Hashable {
        var aB: String
        var ab: Int
        var a_b: Double
        var Ab: [String: Int]
        var a10: Bool?
        var a2: UInt64
        var élan: Float
        var date: Date
        var values: [JSONValue]
        var nested: [Mixed]?
    }

    private func sameBytes<T: Codable & Equatable>(_ value: T, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let expected = try foundationEncoder.encode(value)
        let actual = try encoder.encode(value)
        #expect(actual == Array(expected), "\(label): \(String(decoding: actual, as: UTF8.self)) ≠ \(String(decoding: expected, as: UTF8.self))", sourceLocation: sourceLocation)
        #expect(try decoder.decode(T.self, from: actual) == value, "\(label)", sourceLocation: sourceLocation)
        #expect(try decoder.decode(T.self, from: actual) == (try foundationDecoder.decode(T.self, from: expected)), "\(label)", sourceLocation: sourceLocation)
    }

    @Test func keysEscapesNumbersAndDatesAreFoundationsBytes() throws {
        let strings = ["", "plain", "quote\" back\\slash /slash", "\u{00}\u{01}\u{08}\u{09}\u{0A}\u{0B}\u{0C}\u{0D}\u{1F}\u{7F}", "é€𝄞", "<img src=x onerror=alert(1)>"]
        let doubles: [Double] = [0, -0.0, 1, 1.5, -2.25, 0.1, 1e20, 1.0e-7, 123_456_789.125, Double(Int64.max), Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude]
        for (index, text) in strings.enumerated() {
            let value = Mixed(
                aB: text, ab: index - 3, a_b: doubles[index % doubles.count], Ab: [text: index, "Z": 1, "a": 2], a10: index % 2 == 0 ? nil : true,
                a2: UInt64(Int64.max) - UInt64(index), élan: Float(index) / 3, date: Date(timeIntervalSince1970: 1_764_547_200.123 + Double(index)),
                values: [.null, .bool(false), .integer(Int64.min), .string(text), .object(["B": .integer(1), "a": .array([])])],
                nested: [Mixed(aB: "n", ab: 0, a_b: 0.5, Ab: [:], a10: false, a2: 0, élan: 0.1, date: Date(timeIntervalSince1970: 0), values: [], nested: nil)]
            )
            try sameBytes(value, "strings[\(index)]")
        }
        for (index, number) in doubles.enumerated() { try sameBytes([number], "doubles[\(index)]") }
    }

    @Test func theShopsRowsAndEventsAreFoundationsBytes() throws {
        // The records have no public initializer: made from JSON, as the read models make them.
        let item = #"{"productId":"p-1","sku":"SKU-1","name":"Cup \"A\"","quantity":2,"unitPriceCents":1299,"lineTotalCents":2598}"#
        let order = #"{"id":"o-1","userId":"u-1","status":"paid","items":[\#(item),\#(item)],"totalCents":5196,"version":3,"#
            + #""createdAt":"2025-12-01T00:00:00.500Z","updatedAt":"2026-01-02T03:04:05.006Z"}"#
        try sameBytes(try foundationDecoder.decode(OrderRecord.self, from: Data(order.utf8)), "order")
        let product = #"{"id":"p-1","sku":"S.1_x","name":"Ünïcode","description":"line\nbreak","priceCents":0,"stock":1000000,"#
            + #""status":"discontinued","version":9,"createdAt":"2025-12-01T00:00:00.500Z","updatedAt":"2025-12-01T00:00:00.500Z"}"#
        try sameBytes(try foundationDecoder.decode(ProductRecord.self, from: Data(product.utf8)), "product")
        try sameBytes(OrderPlaced(orderId: "o", userId: "u", lines: [OrderLine(productId: "p", sku: "s", name: "n", quantity: 1, unitPriceCents: 5)], totalCents: 5), "OrderPlaced")
        try sameBytes(StockReserved(productId: "p", orderId: "o", quantity: 3), "StockReserved")
        try sameBytes(ProductUpdated(productId: "p", name: nil, description: "d", priceCents: nil), "ProductUpdated")
        var statistics = SalesStatistics()
        statistics.ordersPaid = 2
        statistics.topProducts = [try foundationDecoder.decode(ProductSales.self, from: Data(#"{"productId":"p","sku":"s","name":"n","unitsSold":4,"revenueCents":40}"#.utf8))]
        try sameBytes(statistics, "SalesStatistics")
        try sameBytes(EventMetadata(correlationId: "c", causationId: nil, userId: "u"), "metadata")
    }

    /// The hand-written JSON of the order path's rows and events (`Records+JSON.swift`) over
    /// generated values: odd strings, extreme numbers, dates from year 1 to past 9999.
    @Test func handWrittenRowsAndEventsAreFoundationsBytesForGeneratedValues() throws {
        var random = SplitMix64(seed: 0x5354_5241_5441)
        let pieces = ["", "a", "Z", "\"", "\\", "/", "\u{00}", "\u{1F}", "\u{7F}", "\n", "é", "€", "𝄞", "<&>", " ", "0", "\u{2028}"]
        func text() -> String { (0..<random.next(below: 6)).map { _ in pieces[random.next(below: pieces.count)] }.joined() }
        func integer() -> Int64 { [Int64.min, Int64.max, 0, -1, 1, Int64(random.next(below: 1_000_000)) - 500_000][random.next(below: 6)] }
        func date() -> JSONValue {
            let milliseconds = [Int64(-62_135_596_800_000), 253_402_300_799_999, 253_402_300_800_000, 0, -1, 1_764_547_200_123][random.next(below: 6)]
                + Int64(random.next(below: 100_000))
            return .string(RFC3339.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000)))
        }
        func decoded<T: Decodable>(_ type: T.Type, _ object: [String: JSONValue]) throws -> T {
            try foundationDecoder.decode(T.self, from: try foundationEncoder.encode(JSONValue.object(object)))
        }
        for round in 0..<200 {
            let product: [String: JSONValue] = [
                "id": .string(text()), "sku": .string(text()), "name": .string(text()), "description": .string(text()),
                "priceCents": .integer(integer()), "stock": .integer(integer()), "status": .string(round % 2 == 0 ? "active" : "discontinued"),
                "version": .integer(Int64(random.next(below: Int.max))), "createdAt": date(), "updatedAt": date(),
            ]
            try sameBytes(try decoded(ProductRecord.self, product), "product \(round)")
            let item: () -> [String: JSONValue] = {
                ["productId": .string(text()), "sku": .string(text()), "name": .string(text()), "quantity": .integer(integer()),
                 "unitPriceCents": .integer(integer()), "lineTotalCents": .integer(integer())]
            }
            let items = (0..<random.next(below: 4)).map { _ in JSONValue.object(item()) }
            let order: [String: JSONValue] = [
                "id": .string(text()), "userId": .string(text()), "status": .string(["placed", "paid", "cancelled", "shipped"][round % 4]),
                "items": .array(items), "totalCents": .integer(integer()), "version": .integer(Int64(random.next(below: Int.max))),
                "createdAt": date(), "updatedAt": date(),
            ]
            try sameBytes(try decoded(OrderRecord.self, order), "order \(round)")
            let lines = (0..<random.next(below: 4)).map { _ in
                OrderLine(productId: text(), sku: text(), name: text(), quantity: Int(integer()), unitPriceCents: Int(integer()))
            }
            try sameBytes(OrderPlaced(orderId: text(), userId: text(), lines: lines, totalCents: Int(integer())), "OrderPlaced \(round)")
            try sameBytes(StockReserved(productId: text(), orderId: text(), quantity: Int(integer())), "StockReserved \(round)")
            let status = [OrderStatus.placed, .paid, .cancelled, .shipped][round % 4]
            try sameBytes(SalesProjection.OrderSummary(status: status, lines: lines, totalCents: Int(integer())), "OrderSummary \(round)")
            let totals = SalesProjection.Totals(
                ordersPlaced: Int(integer()), ordersPaid: Int(integer()), ordersCancelled: Int(integer()), ordersShipped: Int(integer()),
                revenueCents: Int(integer())
            )
            try sameBytes(totals, "Totals \(round)")
        }
    }

    @Test func decodingFailsWhereFoundationFails() throws {
        let cases: [(String, String)] = [
            ("missing key", #"{"productId":"p","orderId":"o"}"#), ("wrong type", #"{"productId":"p","orderId":"o","quantity":"3"}"#),
            ("fraction", #"{"productId":"p","orderId":"o","quantity":1.5}"#), ("null", #"{"productId":"p","orderId":"o","quantity":null}"#),
            ("not an object", "[]"), ("not JSON", "{"),
        ]
        for (label, text) in cases {
            #expect(throws: (any Error).self, "Foundation, \(label)") { try foundationDecoder.decode(StockReserved.self, from: Data(text.utf8)) }
            #expect(throws: DecodingError.self, "\(label)") { try decoder.decode(StockReserved.self, from: Array(text.utf8)) }
        }
        #expect(throws: DecodingError.self) { try decoder.decode(Date.self, from: Array(#""yesterday""#.utf8)) }
        // The hand-read types decline what they are unsure of; Codable then refuses it as Foundation does.
        let product = #"{"id":"p","sku":"s","name":"n","description":"d","priceCents":1,"stock":2,"version":3,"createdAt":"2025-12-01T00:00:00.000Z""#
        let products: [(String, String)] = [
            ("unknown status", product + #","status":"sold","updatedAt":"2025-12-01T00:00:00.000Z"}"#),
            ("not a date", product + #","status":"active","updatedAt":"yesterday"}"#),
            ("negative version", product.replacingOccurrences(of: #""version":3"#, with: #""version":-3"#) + #","status":"active","updatedAt":"2025-12-01T00:00:00.000Z"}"#),
            ("missing updatedAt", product + #","status":"active"}"#),
        ]
        for (label, text) in products {
            #expect(throws: (any Error).self, "Foundation, \(label)") { try foundationDecoder.decode(ProductRecord.self, from: Data(text.utf8)) }
            #expect(throws: DecodingError.self, "\(label)") { try decoder.decode(ProductRecord.self, from: Array(text.utf8)) }
        }
        let valid = product + #","status":"active","updatedAt":"2025-12-01T00:00:00.000Z","extra":[1]}"#
        #expect(try decoder.decode(ProductRecord.self, from: Array(valid.utf8)) == (try foundationDecoder.decode(ProductRecord.self, from: Data(valid.utf8))))
    }
}
