import Foundation
@testable import StrataKit
import StrataStore
import StrataTestSupport
import Testing

/// A rebuild batch applied off the writer reads the rows of the batches still on their way to
/// the writer over a snapshot of what has committed, scans included.
@Suite struct StagedBatchTests {
    private func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func readsAndScansSeeTheOverlayOverTheSnapshot() async throws {
        let place = TestStorePlace()
        defer { place.remove() }
        let log = try place.open()
        defer { log.close() }
        let (table, _) = try await log.perform { transaction in
            let table = try transaction.table(named: "rm.staged.1.rows")
            for key in ["b", "d", "f", "h"] { try transaction.put(table, key: Array(key.utf8), value: Array("snap-\(key)".utf8)) }
            return table
        }
        let overlay = RebuildOverlay()
        // Batch 1 (not yet committed): replaces d, deletes f, adds a and g.
        overlay.write(bytes("one-d"), table: table, key: bytes("d"), batch: 1)
        overlay.write(nil, table: table, key: bytes("f"), batch: 1)
        overlay.write(bytes("one-a"), table: table, key: bytes("a"), batch: 1)
        try log.withSnapshot { snapshot throws in
            let batch = StagedBatch(snapshot: snapshot, overlay: overlay, number: 2)
            batch.put(table, key: bytes("g"), value: bytes("two-g"))
            #expect(try batch.get(table, key: bytes("d")) == bytes("one-d"))
            #expect(try batch.get(table, key: bytes("f")) == nil)
            #expect(try batch.get(table, key: bytes("h")) == bytes("snap-h"))
            #expect(try batch.delete(table, key: bytes("h")))
            func scan(from start: String?, _ direction: ScanDirection, stopAfter limit: Int = 99) throws -> [String] {
                var seen: [String] = []
                try batch.scan(table, from: start.map(bytes), direction: direction) { key, value in
                    seen.append("\(String(decoding: key, as: UTF8.self))=\(String(decoding: value, as: UTF8.self))")
                    return seen.count < limit
                }
                return seen
            }
            #expect(try scan(from: nil, .forward) == ["a=one-a", "b=snap-b", "d=one-d", "g=two-g"])
            #expect(try scan(from: "c", .forward) == ["d=one-d", "g=two-g"])
            #expect(try scan(from: nil, .backward) == ["g=two-g", "d=one-d", "b=snap-b", "a=one-a"])
            #expect(try scan(from: "e", .backward, stopAfter: 2) == ["d=one-d", "b=snap-b"])
            #expect(batch.writes.map { $0.value == nil } == [false, true])
        }
        // Batch 1 committed: its rows are forgotten; batch 2's stay.
        overlay.prune(committedThrough: 1)
        #expect(overlay.lookup(table, key: bytes("d")) == nil)
        #expect(overlay.lookup(table, key: bytes("g")) == .some(bytes("two-g")))
        #expect(overlay.lookup(table, key: bytes("h")) == .some(nil))
        overlay.prune(committedThrough: 2)
        #expect(overlay.entries(table, from: nil, direction: .forward).isEmpty)
    }

    @Test func aLaterBatchsWriteOfARowOutlivesTheEarlierOnesCommit() {
        let overlay = RebuildOverlay()
        let table = Table(name: "rm.staged.1.rows")
        overlay.write(Array("one".utf8), table: table, key: Array("k".utf8), batch: 1)
        overlay.write(Array("two".utf8), table: table, key: Array("k".utf8), batch: 2)
        overlay.prune(committedThrough: 1)
        #expect(overlay.lookup(table, key: Array("k".utf8)) == .some(Array("two".utf8)))
    }
    /// The writer gets each key once, its last write, sorted; sorted rows past the table's end
    /// are appended and the others put, with the same result as putting them one by one.
    @Test func stagedWritesReachTheWriterSortedOnceEachAndAppendPastTheEnd() async throws {
        let a = Table(name: "rm.staged.1.a")
        let b = Table(name: "rm.staged.1.b")
        let grouped = StagedTableWrites.grouped([
            StagedWrite(table: a, key: bytes("m"), value: bytes("1")),
            StagedWrite(table: b, key: bytes("x"), value: bytes("bx")),
            StagedWrite(table: a, key: bytes("c"), value: bytes("2")),
            StagedWrite(table: a, key: bytes("m"), value: nil),
            StagedWrite(table: a, key: bytes("c"), value: bytes("3")),
            StagedWrite(table: a, key: bytes("z"), value: bytes("4")),
        ])
        #expect(grouped.map(\.table) == [a, b])
        #expect(grouped[0].rows.map { [$0.key, $0.value] } == [[bytes("c"), bytes("3")], [bytes("z"), bytes("4")]])
        #expect(grouped[0].deletions == [bytes("m")])

        let place = TestStorePlace()
        defer { place.remove() }
        let log = try place.open()
        defer { log.close() }
        let rows: [(key: [UInt8], value: [UInt8])] = ["b", "d", "e", "q", "r"].map { (bytes($0), bytes("new-\($0)")) }
        let (table, _) = try await log.perform { transaction in
            let table = try transaction.table(named: "rm.staged.1.sorted")
            for key in ["a", "d", "p"] { try transaction.put(table, key: bytes(key), value: bytes("old-\(key)")) }
            try transaction.putSorted(table, rows)
            return table
        }
        let stored = try log.withSnapshot { snapshot in
            var stored: [String] = []
            try snapshot.scan(table) { key, value in
                stored.append("\(String(decoding: key, as: UTF8.self))=\(String(decoding: value, as: UTF8.self))")
                return true
            }
            return stored
        }
        #expect(stored == ["a=old-a", "b=new-b", "d=new-d", "e=new-e", "p=old-p", "q=new-q", "r=new-r"])
    }
}
