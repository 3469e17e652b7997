import Foundation
import StrataKit
import StrataStore
import StrataTestSupport
import Testing

/// A counter's total with the stream version it reached: a record of a versioned table.
private struct CounterRecord: Codable, Sendable, Hashable, VersionedRecord {
    var total: Int
    var version: UInt64
}

/// Keeps each counter's `CounterRecord` in a versioned table, and the counters in a plain one.
private struct VersionedCountersProjection: Projection {
    let name = "vcounters"
    let version = 1
    let mode = ProjectionMode.inline
    let eventTypes: Set<String> = [Added.eventType]
    static let records = ReadModelTable.versioned("records")
    static let names: ReadModelTable = "names"
    let tables: [ReadModelTable] = [records, names]
    let views: Set<ViewName> = []
    /// Puts the total alone, not a record, into the versioned table: refused.
    var storesPlainValues = false

    func apply(_ envelope: Envelope, to store: ProjectionStore) throws {
        guard let added = envelope.event as? Added else { return }
        let key = Array(added.counter.utf8)
        let total = try store.get(CounterRecord.self, Self.records, key: key)?.total ?? 0
        if storesPlainValues { return try store.put(total + added.amount, Self.records, key: key) }
        try store.put(CounterRecord(total: total + added.amount, version: envelope.streamVersion), Self.records, key: key)
        try store.put(Self.names, key: key, value: key)
    }
}

@Suite struct VersionedRowTests {
    /// A runner of `projection` on `log`, started, and an executor that hands it decided events.
    private func started(_ projection: VersionedCountersProjection, on log: any EventStore) async throws -> (ProjectionRunner, CommandExecutor) {
        let runner = try ProjectionRunner(log: log, registry: try kitRegistry(), projections: [projection])
        try await runner.start()
        return (runner, CommandExecutor(log: log, registry: runner.registry, hasher: testHasher, projections: runner))
    }

    @Test func theStoredFormIsTheVersionThenTheJSON() throws {
        let json = Array(#"{"total":3,"version":258}"#.utf8)
        let row = VersionedRow.stored(json: json, version: 258)
        #expect(row.prefix(8) == [0, 0, 0, 0, 0, 0, 1, 2])
        let (read, version) = try VersionedRow.split(row)
        #expect(read == json && version == 258)
        #expect(throws: ProjectionError.self) { try VersionedRow.split([0, 0, 0, 0, 0, 0, 0, 1]) }
    }

    /// Answers read `(json, version)` without parsing; typed reads, scans and raw reads see the
    /// JSON alone, byte for byte what the encoder wrote; a plain value cannot go into the table.
    @Test func readsHandOutTheJSONAsStoredWithItsVersion() async throws {
        let place = TestStorePlace()
        defer { place.remove() }
        let log = try place.open()
        defer { log.close() }
        let (runner, executor) = try await started(VersionedCountersProjection(), on: log)
        for amount in [2, 3, 4] { _ = try await add(executor, "a", amount) }
        let expected = try runner.registry.makeEncoder().encode(CounterRecord(total: 9, version: 3))
        try runner.read("vcounters") { reader in
            let (json, version) = try #require(try reader.versioned(VersionedCountersProjection.records, key: Array("a".utf8)))
            #expect(json == expected && version == 3)
            #expect(try reader.get(VersionedCountersProjection.records, key: Array("a".utf8)) == expected)
            #expect(try reader.get(CounterRecord.self, VersionedCountersProjection.records, key: Array("a".utf8)) == CounterRecord(total: 9, version: 3))
            var scanned: [[UInt8]] = []
            try reader.scan(VersionedCountersProjection.records) { _, value in
                scanned.append(Array(value))
                return true
            }
            #expect(scanned == [expected])
            #expect(throws: ProjectionError.self) { try reader.versioned(VersionedCountersProjection.names, key: Array("a".utf8)) }
        }
        // Inside a write transaction too (where a command renders its answer).
        let (inside, _) = try await log.perform { transaction in
            try runner.read("vcounters", in: transaction) { try $0.versioned(VersionedCountersProjection.records, key: Array("a".utf8))?.version }
        }
        #expect(inside == 3)
        await runner.stop()
    }

    @Test func aRebuildWritesTheSameRowsAndAPlainValueIsRefused() async throws {
        let place = TestStorePlace()
        defer { place.remove() }
        let log = try place.open()
        defer { log.close() }
        let (runner, executor) = try await started(VersionedCountersProjection(), on: log)
        for counter in ["a", "b", "a"] { _ = try await add(executor, counter, 1) }
        let before = try runner.read("vcounters") { try $0.versioned(VersionedCountersProjection.records, key: Array("a".utf8)) }
        try await runner.rebuild("vcounters")
        let after = try runner.read("vcounters") { try $0.versioned(VersionedCountersProjection.records, key: Array("a".utf8)) }
        #expect(before?.json == after?.json && before?.version == 2 && after?.version == 2)
        await runner.stop()

        let (misusing, refused) = try await started(VersionedCountersProjection(storesPlainValues: true), on: log)
        await #expect(throws: ProjectionError.self) { _ = try await add(refused, "c", 1) }
        #expect(try log.readStream("counter-c").isEmpty)
        await misusing.stop()
    }
}
