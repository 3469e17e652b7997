import Foundation
import StrataKit
import StrataStore
import StrataTestSupport
import Testing

/// A module of counters: `Added` events and an inline totals projection.
private struct CountersModule: StrataModule {
    let name = "counters"
    let eventTypes: [any Event.Type] = [Added.self]

    func projections(_ context: ModuleContext) -> [any Projection] { [TotalsProjection(mode: .inline)] }
}

/// A second module with events of its own and an inline projection that counts them.
private struct TalliesModule: StrataModule {
    let name = "tallies"
    let eventTypes: [any Event.Type] = [Tallied.self]

    func projections(_ context: ModuleContext) -> [any Projection] { [TallyProjection()] }
}

private struct Tallied: Event, Hashable {
    static let eventType = "Tallied"
    var tally: String
}

private struct TallyStream: Aggregate {
    static let category = "tally"
    init() {}
    mutating func apply(_ event: any Event) {}
}

private struct TallyProjection: Projection {
    let name = "tallies"
    let version = 1
    let mode = ProjectionMode.inline
    let eventTypes: Set<String> = [Tallied.eventType]
    let tables: [ReadModelTable] = ["counts"]
    let views: Set<ViewName> = []

    func apply(_ envelope: Envelope, to store: ProjectionStore) throws {
        guard let event = envelope.event as? Tallied else { return }
        let key = Array(event.tally.utf8)
        try store.put((try store.get(Int.self, "counts", key: key) ?? 0) + 1, "counts", key: key)
    }
}

/// One app composes every module of a process: one registry, one runner (the store's one append
/// hook), one executor; the kit's own module is always in it.
@Suite struct StrataAppTests {
    @Test func everyModulesInlineProjectionsRunInTheOneApp() async throws {
        let place = TestStorePlace()
        defer { place.remove() }
        let log = try place.open()
        defer { log.close() }
        let keys = try place.openKeys(for: log)
        defer { keys.close() }
        let app = try await StrataApp.start(store: log, keys: keys, modules: [CountersModule(), TalliesModule()])
        #expect(app.runner.names == ["totals", "tallies", CorrelationsProjection.projectionName])
        #expect(app.module(TalliesModule.self) != nil)
        _ = try await add(app.executor, "a", 5)
        _ = try await app.executor.execute(metadata: EventMetadata()) { context in
            _ = context.startNew(TallyStream.self, id: "t")
            try context.append([Tallied(tally: "t")], to: TallyStream.self, id: "t")
        }
        // Both inline projections were written in their commits' transactions.
        #expect(try total(app.runner, "a") == 5)
        #expect(try app.runner.read("tallies") { try $0.get(Int.self, "counts", key: Array("t".utf8)) } == 1)
        // The kit's correlations follow every module's events.
        let head = try log.headPosition()
        #expect(await app.runner.waitUntil(CorrelationsProjection.projectionName, reaches: head, timeout: .seconds(10)))
        await app.stop()
    }

    @Test func modulesThatClashAreRefused() throws {
        #expect(throws: AppError.self) { try StrataApp.registry(of: [CountersModule(), CountersModule()], cipher: nil) }
        struct Thief: StrataModule {
            let name = "thief"
            let eventTypes: [any Event.Type] = [Added.self]
            func projections(_ context: ModuleContext) -> [any Projection] { [] }
        }
        #expect(throws: AppError.self) { try StrataApp.registry(of: [CountersModule(), Thief()], cipher: nil) }
        // The kit's reservations are registered once, whoever lists the kit's module.
        let registry = try StrataApp.registry(of: [KitModule(), CountersModule()], cipher: nil)
        #expect(registry.handles(UniqueValueReserved.eventType))
        #expect(registry.handles(Added.eventType))
    }
}
