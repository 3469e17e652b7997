import Foundation
@testable import StrataKit
import Testing

@Suite struct ViewCacheTests {
    private let cache = ViewCache<String>()

    private func store(_ cache: ViewCache<String>, _ text: String, at position: UInt64, for key: ViewKey) -> Bool {
        cache.store(text, size: text.utf8.count, position: position, for: key)
    }

    @Test func dropsExactlyTheChangedKeys() {
        let a = ViewKey(view: "product", key: "a")
        let b = ViewKey(view: "product", key: "b")
        _ = store(cache, "A", at: 5, for: a)
        _ = store(cache, "B", at: 5, for: b)
        cache.invalidate([a], at: 6)
        #expect(cache.lookup(a) == nil)
        #expect(cache.lookup(b) == "B")
        #expect(cache.statistics.hits == 1 && cache.statistics.misses == 1)
    }

    @Test func refusesAViewOlderThanItsInvalidation() {
        let a = ViewKey(view: "product", key: "a")
        cache.invalidate([a], at: 10)
        #expect(!store(cache, "stale", at: 9, for: a))
        #expect(store(cache, "fresh", at: 10, for: a))
        cache.invalidate(view: "product", at: 20)
        #expect(cache.lookup(a) == nil)
        #expect(!store(cache, "stale", at: 19, for: a))
    }

    @Test func staysWithinItsBytes() {
        let cache = ViewCache<String>(capacityBytes: 1000)
        for index in 0..<50 { _ = store(cache, String(repeating: "x", count: 100), at: 1, for: ViewKey(view: "v", key: "\(index)")) }
        #expect(cache.statistics.bytes <= 1000)
        #expect(cache.lookup(ViewKey(view: "v", key: "49")) != nil)
        #expect(cache.lookup(ViewKey(view: "v", key: "0")) == nil)
    }

    @Test func followsPublishedInvalidations() {
        let invalidations = ViewInvalidations()
        cache.follow(invalidations)
        let a = ViewKey(view: "product", key: "a")
        _ = store(cache, "A", at: 5, for: a)
        invalidations.publish(.keys([a], position: 6))
        #expect(cache.lookup(a) == nil)
        _ = store(cache, "A", at: 6, for: a)
        invalidations.publish(.view("product", position: 7))
        #expect(cache.lookup(a) == nil)
    }
}

@Suite struct TimestampTests {
    @Test func formattingAParsedTimestampGivesItBack() throws {
        for milliseconds in [0, 1, 368, 369, 999] as [Int64] {
            let text = "2026-11-25T03:19:01.\(String(format: "%03lld", milliseconds))Z"
            let date = try #require(RFC3339.date(from: text))
            #expect(RFC3339.string(from: date) == text)
        }
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 1_764_040_741.3689)) == "2025-11-25T03:19:01.369Z")
    }
}

@Suite struct RFC3339Tests {
    @Test func theFastPathAgreesWithFoundation() throws {
        var generator = SystemRandomNumberGenerator()
        let foundation = Date.ISO8601FormatStyle(timeZone: .gmt)
        for _ in 0..<2000 {
            let milliseconds = Int64.random(in: -62_000_000_000_000...253_000_000_000_000, using: &generator)
            let date = Date(timeIntervalSince1970: Double(milliseconds) / 1000)
            let text = RFC3339.string(from: date)
            // What the Foundation-only formatting gave: whole seconds by Foundation, then the rounded milliseconds.
            let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
            let base = Date(timeIntervalSince1970: Double(seconds)).formatted(foundation)
            let expected = String(base.dropLast()) + "." + String(format: "%03lld", milliseconds - seconds * 1000) + "Z"
            #expect(text == expected, "\(milliseconds)")
            let parsed = try #require(RFC3339.date(from: text))
            #expect(Int64((parsed.timeIntervalSince1970 * 1000).rounded()) == milliseconds)
        }
        #expect(RFC3339.civilDate("2026-02-30T00:00:00.000Z") == nil)
        #expect(RFC3339.date(from: "2026-11-25T04:41:29Z") != nil)
    }
}
