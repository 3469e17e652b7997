import Foundation
import StrataLog
import Testing

@Suite struct AppendTests {
    @Test func appendAndReadBack() async throws {
        try await withTemporaryLog { log, _ async throws in
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
        }
    }

    @Test func streamIdsThatArePrefixesOfEachOtherStayApart() async throws {
        try await withTemporaryLog { log, _ async throws in
            _ = try await log.append(AppendRequest(streamId: "user-1", expectedVersion: .any, events: [event()]))
            _ = try await log.append(AppendRequest(streamId: "user-10", expectedVersion: .any, events: [event(), event()]))
            #expect(try log.readStream("user-1").count == 1)
            #expect(try log.readStream("user-1", direction: .backward).count == 1)
            #expect(try log.readStream("user-10").count == 2)
        }
    }

    @Test(arguments: [
        (ExpectedVersion.any, UInt64(0), true), (.any, 3, true),
        (.noStream, 0, true), (.noStream, 1, false),
        (.exists, 0, false), (.exists, 2, true),
        (.exact(0), 0, true), (.exact(2), 2, true), (.exact(2), 3, false), (.exact(5), 0, false),
    ])
    func expectedVersionCases(expected: ExpectedVersion, current: UInt64, succeeds: Bool) async throws {
        try await withTemporaryLog { log, _ async throws in
            if current > 0 {
                _ = try await log.append(
                    AppendRequest(streamId: "s", expectedVersion: .any, events: (0..<current).map { _ in event() })
                )
            }
            let request = AppendRequest(streamId: "s", expectedVersion: expected, events: [event()])
            if succeeds {
                let result = try await log.append(request)
                #expect(result.streams[0].version == current + 1)
            } else {
                let error = await #expect(throws: EventLogError.self) { try await log.append(request) }
                #expect(error?.code == .conflict)
                #expect(error?.conflict == AppendConflict(streamId: "s", expected: expected, actual: current))
                #expect(try log.streamVersion("s") == current)
            }
        }
    }

    @Test func concurrentExactAppendersWinEachVersionExactlyOnce() async throws {
        try await withTemporaryLog { log, _ async throws in
            let winners = try await withThrowingTaskGroup(of: UInt64?.self) { group in
                for task in 0..<100 {
                    group.addTask {
                        var version = try log.streamVersion("contended")
                        for _ in 0..<500 {
                            do {
                                let result = try await log.append(
                                    AppendRequest(
                                        streamId: "contended",
                                        expectedVersion: .exact(version),
                                        events: [event("Won", #"{"task":\#(task)}"#)]
                                    )
                                )
                                return result.streams[0].version
                            } catch let error as EventLogError where error.code == .conflict {
                                version = error.conflict?.actual ?? version
                            }
                        }
                        return nil
                    }
                }
                var versions: [UInt64] = []
                for try await version in group { if let version { versions.append(version) } }
                return versions
            }
            // Every task retried until it won; each version was won by exactly one task.
            #expect(winners.count == 100)
            #expect(Set(winners).count == winners.count)
            #expect(Set(winners) == Set(1...100))
            #expect(try log.readStream("contended").map(\.streamVersion) == Array(1...100))
            #expect(try log.verify().isClean)
        }
    }

    @Test func losersOfARaceGetConflictsNamingTheStream() async throws {
        try await withTemporaryLog { log, _ async throws in
            let outcomes = await withTaskGroup(of: Result<AppendResult, any Error>.self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        await outcome { try await log.append(AppendRequest(streamId: "race", expectedVersion: .exact(0), events: [event()])) }
                    }
                }
                var all: [Result<AppendResult, any Error>] = []
                for await outcome in group { all.append(outcome) }
                return all
            }
            let wins = outcomes.filter { if case .success = $0 { true } else { false } }
            #expect(wins.count == 1)
            for case .failure(let error) in outcomes {
                let conflict = (error as? EventLogError)?.conflict
                #expect(conflict == AppendConflict(streamId: "race", expected: .exact(0), actual: 1))
            }
            // Group commit: far fewer commits than requests.
            #expect(log.writerStatistics.commits < 100)
        }
    }

    @Test func multiStreamAppendWithOneBadExpectationAppendsNothing() async throws {
        try await withTemporaryLog { log, _ async throws in
            _ = try await log.append(AppendRequest(streamId: "product-1", expectedVersion: .noStream, events: [event("ProductCreated")]))
            let request = AppendRequest(streams: [
                StreamAppend(streamId: "order-1", expectedVersion: .noStream, events: [event("OrderPlaced")]),
                StreamAppend(streamId: "product-1", expectedVersion: .exact(1), events: [event("StockReserved")]),
                StreamAppend(streamId: "product-2", expectedVersion: .exact(1), events: [event("StockReserved")]),
            ])
            let error = await #expect(throws: EventLogError.self) { try await log.append(request) }
            #expect(error?.conflict?.streamId == "product-2")
            #expect(try log.headPosition() == 1)
            #expect(try log.streamVersion("order-1") == 0)
            #expect(try log.streamVersion("product-1") == 1)
            #expect(try log.verify().isClean)

            var good = request
            good.streams.removeLast()
            let result = try await log.append(good)
            #expect(result.positions == 2...3)
            #expect(result.streams.map(\.version) == [1, 2])
        }
    }

    @Test func streamWithNoEventsIsOnlyChecked() async throws {
        try await withTemporaryLog { log, _ async throws in
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

    @Test func malformedRequestsAreRefusedBeforeQueuing() async throws {
        try await withTemporaryLog { log, _ async throws in
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
                let error = await #expect(throws: EventLogError.self) { try await log.append(request) }
                #expect(error?.code == .invalidRequest)
            }
            #expect(try log.headPosition() == 0)
        }
    }

    @Test func reopenKeepsEverything() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        do {
            let log = try EventLog.open(directory: directory.path)
            for index in 0..<50 {
                _ = try await log.append(AppendRequest(streamId: "s-\(index % 5)", expectedVersion: .any, events: [event("E", #"{"i":\#(index)}"#)]))
            }
            log.close()
        }
        let log = try EventLog.open(directory: directory.path)
        defer { log.close() }
        #expect(try log.headPosition() == 50)
        #expect(try log.readStream("s-3").count == 10)
        let next = try await log.append(AppendRequest(streamId: "s-3", expectedVersion: .exact(10), events: [event()]))
        #expect(next.positions == 51...51)
        #expect(try log.verify().isClean)
    }

    @Test func appendAfterCloseFails() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let log = try EventLog.open(directory: directory.path)
        log.close()
        let error = await #expect(throws: EventLogError.self) {
            try await log.append(AppendRequest(streamId: "s", expectedVersion: .any, events: [event()]))
        }
        #expect(error?.code == .closed)
    }
}

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
