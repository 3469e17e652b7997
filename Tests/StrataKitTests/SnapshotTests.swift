import Foundation
@testable import StrataKit
import StrataLog
import StrataStore
import StrataTestSupport
import Testing

/// A counter whose state is stored as snapshots.
struct Tally: SnapshottingAggregate {
    static let category = "tally"
    static let snapshotVersion: UInt32 = 1
    var value = 0
    init() {}
    mutating func apply(_ event: any Event) {
        if let added = event as? Added { value += added.amount }
    }
}

/// A profile with a personal field, sealed in events and snapshots alike.
struct Profile: SnapshottingAggregate {
    static let category = "profile"
    static let snapshotVersion: UInt32 = 1
    var name: PersonalString?
    var renames = 0
    init() {}
    mutating func apply(_ event: any Event) {
        guard let named = event as? ProfileNamed else { return }
        name = named.name
        renames += 1
    }
}

struct ProfileNamed: Event {
    static let eventType = "ProfileNamed"
    var name: PersonalString
}

@Suite struct SnapshotTests {
    static func tally(_ executor: CommandExecutor, _ id: String, add amount: Int = 1) async throws -> Int {
        try await executor.execute(metadata: EventMetadata()) { context in
            let state = try context.load(Tally.self, id: id)
            try context.append([Added(counter: id, amount: amount)], to: Tally.self, id: id)
            return state.value + amount
        }.value
    }

    static func stored(_ log: any EventStore, _ streamId: String) throws -> SnapshotRecord? {
        try log.withSnapshot { snapshot in
            try AggregateSnapshots.table.get(Array(streamId.utf8), from: snapshot, in: log).flatMap(SnapshotRecord.init)
        }
    }

    /// Stores a snapshot of `tally-t` saying `value` at `version`, made by `snapshotVersion`.
    static func plant(_ log: any EventStore, registry: EventRegistry, value: Int, version: UInt64, snapshotVersion: UInt32 = 1) async throws {
        var state = Tally()
        state.value = value
        let snapshots = AggregateSnapshots(every: 10, store: log, registry: registry)
        var record = try #require(SnapshotRecord(try snapshots.record(of: state, version: version, encoder: registry.makeEncoder())))
        record.snapshotVersion = snapshotVersion
        let bytes = record.encoded
        try await log.write { try AggregateSnapshots.write(bytes, streamId: "tally-t", in: $0) }
    }

    @Test func aLongStreamIsDecidedFromItsSnapshotAndTheEventsAfterIt() async throws {
        let place = TestStorePlace()
        defer { place.remove() }
        let log = try place.open()
        defer { log.close() }
        let registry = try kitRegistry()
        let executor = CommandExecutor(log: log, registry: registry, hasher: testHasher, snapshots: AggregateSnapshots(every: 10, store: log, registry: registry))
        for _ in 0..<9 { _ = try await Self.tally(executor, "t") }
        #expect(try Self.stored(log, "tally-t") == nil)
        // The tenth event crosses the threshold: its transaction stores the state it reaches.
        #expect(try await Self.tally(executor, "t") == 10)
        let first = try #require(try Self.stored(log, "tally-t"))
        #expect(first.streamVersion == 10 && first.snapshotVersion == 1)
        #expect(try registry.makeDecoder().decode(Tally.self, from: first.state).value == 10)
        for _ in 0..<15 { _ = try await Self.tally(executor, "t") }
        #expect(try Self.stored(log, "tally-t")?.streamVersion == 20)

        // A process without the cache (a restart) reads the snapshot and the events after it: a
        // snapshot planted with a wrong value shows that the events before it are not folded.
        try await Self.plant(log, registry: registry, value: 1000, version: 20)
        let restarted = CommandExecutor(log: log, registry: registry, hasher: testHasher, snapshots: AggregateSnapshots(every: 10, store: log, registry: registry))
        #expect(try await Self.tally(restarted, "t") == 1000 + 5 + 1)

        // One of another shape's version, or made under other upcasters, is ignored: the stream is folded.
        try await Self.plant(log, registry: registry, value: 1000, version: 20, snapshotVersion: 2)
        let otherShape = CommandExecutor(log: log, registry: registry, hasher: testHasher, snapshots: AggregateSnapshots(every: 10, store: log, registry: registry))
        #expect(try await Self.tally(otherShape, "t") == 27)
        try await Self.plant(log, registry: registry, value: 1000, version: 20)
        var upcasting = try kitRegistry()
        try upcasting.upcast(from: "Added.v0", to: Added.eventType) { _ in }
        #expect(upcasting.upcastFingerprint != registry.upcastFingerprint)
        let upcasted = CommandExecutor(log: log, registry: upcasting, hasher: testHasher, snapshots: AggregateSnapshots(every: 10, store: log, registry: upcasting))
        #expect(try await Self.tally(upcasted, "t") == 28)
        // Undecodable bytes are ignored too.
        try await log.write { try AggregateSnapshots.write(Array("not a snapshot".utf8), streamId: "tally-t", in: $0) }
        let garbled = CommandExecutor(log: log, registry: registry, hasher: testHasher, snapshots: AggregateSnapshots(every: 10, store: log, registry: registry))
        #expect(try await Self.tally(garbled, "t") == 29)
        // Each of those folded the whole stream, so it stored a good snapshot again.
        #expect(try Self.stored(log, "tally-t")?.streamVersion == 29)
        #expect(try log.withSnapshot { try AggregateSnapshots.count(in: $0, store: log) } == 1)
    }

    @Test func aStreamWrittenWithoutSnapshotsGetsOneFromItsFirstLongFold() async throws {
        let place = TestStorePlace()
        defer { place.remove() }
        let log = try place.open()
        defer { log.close() }
        let registry = try kitRegistry()
        let plain = CommandExecutor(log: log, registry: registry, hasher: testHasher)
        for _ in 0..<25 { _ = try await Self.tally(plain, "t") }
        #expect(try Self.stored(log, "tally-t") == nil)
        let snapshotting = CommandExecutor(log: log, registry: registry, hasher: testHasher, snapshots: AggregateSnapshots(every: 10, store: log, registry: registry))
        #expect(try await Self.tally(snapshotting, "t") == 26)
        #expect(try Self.stored(log, "tally-t")?.streamVersion == 26)
        // Aggregates that keep no snapshots never get one.
        for _ in 0..<12 { _ = try await add(snapshotting, "c", 1) }
        #expect(try Self.stored(log, "counter-c") == nil)
    }

    @Test func aSnapshotCommitsOnlyWithItsEvents() async throws {
        let place = TestStorePlace()
        defer { place.remove() }
        let log = try place.open()
        defer { log.close() }
        let registry = try kitRegistry()
        for attempts in [3, 0] {
            let id = "t\(attempts)"
            let executor = CommandExecutor(
                log: log,
                registry: registry,
                hasher: testHasher,
                snapshots: AggregateSnapshots(every: 10, store: log, registry: registry),
                optimisticAttempts: attempts
            )
            for _ in 0..<9 { _ = try await Self.tally(executor, id) }
            struct Refused: Error {}
            await #expect(throws: Refused.self) {
                _ = try await executor.execute(metadata: EventMetadata(), followUp: CommandFollowUp { _, _ in throw Refused() }) { context in
                    _ = try context.load(Tally.self, id: id)
                    try context.append([Added(counter: id, amount: 1)], to: Tally.self, id: id)
                }
            }
            #expect(try Self.stored(log, "tally-\(id)") == nil)
            #expect(try log.streamVersion("tally-\(id)") == 9)
            // Decided on the writer (no optimistic attempts) or not, the next one stores it.
            #expect(try await Self.tally(executor, id) == 10)
            #expect(try Self.stored(log, "tally-\(id)")?.streamVersion == 10)
        }
    }

    @Test func erasureLeavesNothingReadableInASnapshot() async throws {
        let place = TestStorePlace()
        defer { place.remove() }
        let log = try place.open()
        defer { log.close() }
        let keysDirectory = TemporaryDirectory()
        defer { keysDirectory.remove() }
        let keys = try KeyStore(directory: keysDirectory.path)
        defer { keys.close() }
        try await keys.createKey(for: "u1")
        var registry = EventRegistry()
        try registry.register(ProfileNamed.self)
        registry.setCodingInfo(AESGCMCipher(keys: keys), forKey: .personalDataCipher)
        let snapshots = AggregateSnapshots(every: 3, store: log, registry: registry)
        let executor = CommandExecutor(log: log, registry: registry, hasher: testHasher, snapshots: snapshots)
        for name in ["Ann Example", "Ann B. Example", "Ann C. Example"] {
            _ = try await executor.execute(metadata: EventMetadata()) { context in
                _ = try context.load(Profile.self, id: "u1")
                try context.append([ProfileNamed(name: PersonalString(subject: "u1", value: name))], to: Profile.self, id: "u1")
            }
        }
        let record = try #require(try Self.stored(log, "profile-u1"))
        #expect(record.streamVersion == 3)
        let text = String(decoding: record.state, as: UTF8.self)
        #expect(!text.contains("Ann") && text.contains("sealed"), "\(text)")

        try await keys.destroyKey(for: "u1")
        // A process that starts afresh reads the snapshot: the name is gone, the rest is there.
        let restarted = CommandExecutor(log: log, registry: registry, hasher: testHasher, snapshots: snapshots)
        let profile = try await restarted.execute(metadata: EventMetadata()) { try $0.load(Profile.self, id: "u1") }.value
        #expect(profile.renames == 3)
        #expect(profile.name?.subject == "u1" && profile.name?.value == nil)
    }
}
