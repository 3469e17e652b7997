import Foundation
import StrataStore
import StrataSubscriptions
import StrataTestSupport
import Synchronization

/// A store of the current test kind with consumer groups on a clock the test moves.
final class GroupsFixture: Sendable {
    let place = TestStorePlace(label: "groups")
    let store: any EventStore
    let groups: ConsumerGroups
    private let time = Shared<Int64>(1_000_000)

    init(forgetConsumersAfter retention: Duration = .seconds(3600)) throws {
        store = try place.open()
        let time = self.time
        groups = ConsumerGroups(store: store, forgetConsumersAfter: retention, clock: { time.value })
    }

    /// Groups over `other` (another server's store of the same database), on the same clock.
    func groups(on other: any EventStore, signals: GroupSignals) -> ConsumerGroups {
        let time = self.time
        return ConsumerGroups(store: other, signals: signals, clock: { time.value })
    }

    /// Moves the groups' clock on by `seconds`.
    func advance(seconds: Int64) {
        time.update { $0 += seconds * 1000 }
    }

    /// Appends one event of `type` to each of `streams`, in order.
    @discardableResult
    func append(_ streams: [String], type: String = "Thing") async throws -> UInt64 {
        var last: UInt64 = 0
        for stream in streams {
            last = try await store.append(AppendRequest(streamId: stream, expectedVersion: .any, events: [EventData(type: type, data: Array("{\"n\":1}".utf8))])).positions?.upperBound ?? last
        }
        return last
    }

    func close() {
        store.close()
        place.remove()
    }
}

/// A value several tasks read and change.
final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    var value: Value { mutex.withLock { $0 } }

    @discardableResult
    func update<T: Sendable>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}
