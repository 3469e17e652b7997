import Foundation
import StrataKit
import StrataLog
import StrataStore
import Synchronization


/// A counter aggregate for the kit's tests.
struct Counter: Aggregate {
    static let category = "counter"
    var value = 0
    init() {}
    mutating func apply(_ event: any Event) {
        if let added = event as? Added { value += added.amount }
    }
}

struct Added: Event, Hashable {
    static let eventType = "Added"
    var counter: String
    var amount: Int
    var poison: Bool = false
}

/// Sums `Added` per counter; async or inline; fails on poison while `failOnPoison` is set.
final class TotalsProjection: Projection, @unchecked Sendable {
    let name: String
    let version: Int
    let mode: ProjectionMode
    let eventTypes: Set<String> = [Added.eventType]
    let tables: [ReadModelTable] = ["totals"]
    let views: Set<ViewName> = ["counter"]
    let failOnPoison = Atomic<Bool>(true)
    let applied = Atomic<Int>(0)

    init(name: String = "totals", version: Int = 1, mode: ProjectionMode) {
        self.name = name
        self.version = version
        self.mode = mode
    }

    struct Poisoned: Error {}

    func apply(_ envelope: Envelope, to store: ProjectionStore) throws {
        guard let added = envelope.event as? Added else { return }
        if added.poison && failOnPoison.load(ordering: .relaxed) { throw Poisoned() }
        let key = Array(added.counter.utf8)
        let current = try store.get(Int.self, "totals", key: key) ?? 0
        try store.put(current + added.amount, "totals", key: key)
        store.changed(ViewKey(view: "counter", key: added.counter))
        applied.add(1, ordering: .relaxed)
    }
}

func kitRegistry() throws -> EventRegistry {
    var registry = EventRegistry()
    try registry.register(Added.self)
    try registry.register(UniqueValueReserved.self)
    try registry.register(UniqueValueReleased.self)
    return registry
}

let testHasher = UniqueValueHasher(key: Array(repeating: 7, count: 32))

func add(_ executor: CommandExecutor, _ counter: String, _ amount: Int, poison: Bool = false) async throws -> CommandResult<Void> {
    try await executor.execute(metadata: EventMetadata(correlationId: "test")) { context in
        _ = try context.load(Counter.self, id: counter)
        try context.append([Added(counter: counter, amount: amount, poison: poison)], to: Counter.self, id: counter)
    }
}

func total(_ runner: ProjectionRunner, _ counter: String) throws -> Int? {
    try runner.read("totals") { try $0.get(Int.self, "totals", key: Array(counter.utf8)) }
}
