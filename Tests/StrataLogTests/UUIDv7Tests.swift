import Foundation
import StrataStore
import Testing

@Suite struct UUIDv7Tests {
    @Test func idsAreVersion7AndOrderedByTime() {
        let earlier = UUIDv7.make(at: Date(timeIntervalSince1970: 1_700_000_000))
        let later = UUIDv7.make(at: Date(timeIntervalSince1970: 1_700_000_001))
        #expect(earlier.uuidString.lowercased() < later.uuidString.lowercased())
        #expect(earlier.uuid.6 >> 4 == 7)
        #expect(earlier.uuid.8 >> 6 == 0b10)
        #expect(earlier.uuidString.hasPrefix("018BCFE5-6800"))
        #expect(Set((0..<1000).map { _ in UUIDv7.make() }).count == 1000)
    }

    @Test func theLowercasedTextIsFoundationsTextLowercased() {
        for _ in 0..<100 {
            let id = UUIDv7.make()
            #expect(UUIDv7.lowercasedString(id) == id.uuidString.lowercased())
        }
        #expect(UUIDv7.makeString().count == 36)
    }
}
