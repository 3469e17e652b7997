import Foundation
import StrataStore
import Synchronization
import Testing

/// Appends and reads: expectations, atomic multi-stream appends, refusals, durability across reopening.
extension StoreContract {
    static func appendAndReadBack(_ harness: any StoreHarness) async throws {
        try await harness.withFreshStore { log async throws in
            let first = try await log.append(
                AppendRequest(streamId: "order-1", expectedVersion: .noStream, events: [event("OrderPlaced", #"{"n":1}"#), event("OrderPaid")])
            )
            #expect(first.positions == 1...2)
            #expect(first.streams.first?.version == 2)
            #expect(first.streams.first?.firstVersion == 1)
            let second = try await log.append(AppendRequest(streamId: "order-2", expectedVersion: .any, events: [event("OrderPlaced")]))
            #expect(second.positions == 3...3)
            #expect(second.committedHead >= 3)

            let stream = try log.readStream("order-1")
            #expect(stream.map(\.streamVersion) == [1, 2])
            #expect(stream.map(\.position) == [1, 2])
            #expect(stream.map(\.type) == ["OrderPlaced", "OrderPaid"])
            #expect(stream[0].data == Array(#"{"n":1}"#.utf8))
            #expect(stream[0].metadata == Array("{}".utf8))
            #expect(try log.readStream("order-1", direction: .backward).map(\.streamVersion) == [2, 1])
            #expect(try log.readStream("order-1", from: 2).map(\.streamVersion) == [2])
            #expect(try log.readStream("order-1", from: 1, direction: .backward).map(\.streamVersion) == [1])
            #expect(try log.readStream("order-").isEmpty)
            #expect(try log.readAll().map(\.position) == [1, 2, 3])
            #expect(try log.readAll(after: 1, limit: 1).map(\.position) == [2])
            #expect(try log.readAll(after: 3, direction: .backward).map(\.position) == [2, 1])
            #expect(try log.readByType("OrderPlaced").map(\.position) == [1, 3])
            #expect(try log.readByType("OrderPlaced", after: 1).map(\.position) == [3])
            #expect(try log.readByType("Order").isEmpty)
            #expect(try log.streamVersion("order-1") == 2)
            #expect(try log.streamVersion("nope") == 0)
            #expect(try log.headPosition() == 3)
            #expect(try log.event(at: 2)?.type == "OrderPaid")
            #expect(try log.event(at: 4) == nil)
            #expect(try log.withSnapshot { try $0.streams() }.map(\.streamId) == ["order-1", "order-2"])
            #expect(try log.withSnapshot { try $0.events(at: [3, 9, 1]) }.map(\.position) == [1, 3])
            // Inside a transaction: the committed log's and the transaction's own, in log order.
            let read = try await log.perform { transaction -> [UInt64] in
                _ = try transaction.append(AppendRequest(streamId: "order-3", expectedVersion: .noStream, events: [event("OrderPlaced")]))
                return try transaction.events(at: [4, 2, 5, 0]).map(\.position)
            }.value
            #expect(read == [2, 4])
        }
    }

    static func streamIdsThatArePrefixesOfEachOtherStayApart(_ harness: any StoreHarness) async throws {
        try await harness.withFreshStore { log async throws in
            _ = try await log.append(AppendRequest(streamId: "user-1", expectedVersion: .any, events: [event()]))
            _ = try await log.append(AppendRequest(streamId: "user-10", expectedVersion: .any, events: [event(), event()]))
            #expect(try log.readStream("user-1").count == 1)
            #expect(try log.readStream("user-1", direction: .backward).count == 1)
            #expect(try log.readStream("user-10").count == 2)
        }
    }

    static func expectedVersionsAreChecked(_ harness: any StoreHarness) async throws {
        let cases: [(ExpectedVersion, UInt64, Bool)] = [
            (.any, 0, true), (.any, 3, true),
            (.noStream, 0, true), (.noStream, 1, false),
            (.exists, 0, false), (.exists, 2, true),
            (.exact(0), 0, true), (.exact(2), 2, true), (.exact(2), 3, false), (.exact(5), 0, false),
        ]
        for (index, (expected, current, succeeds)) in cases.enumerated() {
            try await harness.withFreshStore { log async throws in
                let stream = "s-\(index)"
                if current > 0 {
                    _ = try await log.append(AppendRequest(streamId: stream, expectedVersion: .any, events: (0..<current).map { _ in event() }))
                }
                let request = AppendRequest(streamId: stream, expectedVersion: expected, events: [event()])
                if succeeds {
                    let result = try await log.append(request)
                    #expect(result.streams[0].version == current + 1, "\(expected) at \(current)")
                } else {
                    let error = await #expect(throws: EventStoreError.self) { try await log.append(request) }
                    #expect(error?.code == .conflict)
                    #expect(error?.conflict == AppendConflict(streamId: stream, expected: expected, actual: current))
                    #expect(try log.streamVersion(stream) == current)
                }
            }
        }
    }

    static func multiStreamAppendWithOneBadExpectationAppendsNothing(_ harness: any StoreHarness) async throws {
        try await harness.withFreshStore { log async throws in
            _ = try await log.append(AppendRequest(streamId: "product-1", expectedVersion: .noStream, events: [event("ProductCreated")]))
            let request = AppendRequest(streams: [
                StreamAppend(streamId: "order-1", expectedVersion: .noStream, events: [event("OrderPlaced")]),
                StreamAppend(streamId: "product-1", expectedVersion: .exact(1), events: [event("StockReserved")]),
                StreamAppend(streamId: "product-2", expectedVersion: .exact(1), events: [event("StockReserved")]),
            ])
            let error = await #expect(throws: EventStoreError.self) { try await log.append(request) }
            #expect(error?.conflict?.streamId == "product-2")
            #expect(try log.headPosition() == 1)
            #expect(try log.streamVersion("order-1") == 0)
            #expect(try log.streamVersion("product-1") == 1)
            #expect(try harness.isConsistent(log))

            var good = request
            good.streams.removeLast()
            let result = try await log.append(good)
            #expect(result.positions == 2...3)
            #expect(result.streams.map(\.version) == [1, 2])
        }
    }

    static func streamWithNoEventsIsOnlyChecked(_ harness: any StoreHarness) async throws {
        try await harness.withFreshStore { log async throws in
            _ = try await log.append(AppendRequest(streamId: "guard", expectedVersion: .any, events: [event()]))
            let result = try await log.append(
                AppendRequest(streams: [
                    StreamAppend(streamId: "guard", expectedVersion: .exact(1), events: []),
                    StreamAppend(streamId: "other", expectedVersion: .noStream, events: [event()]),
                ])
            )
            #expect(result.positions == 2...2)
            #expect(result.streams[0] == AppendResult.StreamResult(streamId: "guard", version: 1, firstVersion: nil))
        }
    }

    static func malformedRequestsAreRefusedBeforeQueuing(_ harness: any StoreHarness) async throws {
        try await harness.withFreshStore { log async throws in
            let bad: [AppendRequest] = [
                AppendRequest(streams: []),
                AppendRequest(streamId: "", expectedVersion: .any, events: [event()]),
                AppendRequest(streamId: String(repeating: "x", count: 256), expectedVersion: .any, events: [event()]),
                AppendRequest(streamId: "a\u{0}b", expectedVersion: .any, events: [event()]),
                AppendRequest(streamId: "s", expectedVersion: .any, events: [event("")]),
                AppendRequest(streams: [
                    StreamAppend(streamId: "twice", expectedVersion: .any, events: [event()]),
                    StreamAppend(streamId: "twice", expectedVersion: .any, events: [event()]),
                ]),
            ]
            for request in bad {
                let error = await #expect(throws: EventStoreError.self) { try await log.append(request) }
                #expect(error?.code == .invalidRequest)
            }
            #expect(try log.headPosition() == 0)
        }
    }

    static func reopenKeepsEverything(_ harness: any StoreHarness) async throws {
        try await harness.withReopenableStore { open async throws in
            do {
                let log = try await open()
                for index in 0..<50 {
                    _ = try await log.append(
                        AppendRequest(streamId: "s-\(index % 5)", expectedVersion: .any, events: [event("E", #"{"i":\#(index)}"#)])
                    )
                }
                log.close()
            }
            let log = try await open()
            defer { log.close() }
            #expect(try log.headPosition() == 50)
            #expect(try log.readStream("s-3").count == 10)
            let next = try await log.append(AppendRequest(streamId: "s-3", expectedVersion: .exact(10), events: [event()]))
            #expect(next.positions == 51...51)
            #expect(try harness.isConsistent(log))
        }
    }

    static func appendAfterCloseFails(_ harness: any StoreHarness) async throws {
        try await harness.withReopenableStore { open async throws in
            let log = try await open()
            log.close()
            let error = await #expect(throws: EventStoreError.self) {
                try await log.append(AppendRequest(streamId: "s", expectedVersion: .any, events: [event()]))
            }
            #expect(error?.code == .closed)
        }
    }
}
