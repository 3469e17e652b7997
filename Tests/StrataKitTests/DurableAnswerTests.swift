import Foundation
import StrataKit
import StrataStore
import StrataTestSupport
import Testing

/// A command that appends nothing is answered from its snapshot, which may see a commit still
/// waiting for its sync: the answer waits until the log is durable through what it read.
@Suite struct DurableAnswerTests {
    @Test func aCommandThatAppendsNothingIsAnsweredOnlyOnceWhatItReadIsDurable() async throws {
        let place = TestStorePlace()
        defer { place.remove() }
        let log = try place.open()
        defer { log.close() }
        let executor = CommandExecutor(log: log, registry: try kitRegistry(), hasher: testHasher)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for appender in 0..<32 {
                group.addTask { for _ in 0..<20 { _ = try await add(executor, "w\(appender % 8)", 1) } }
            }
            for _ in 0..<8 {
                group.addTask {
                    for _ in 0..<60 {
                        let result = try await executor.execute(metadata: EventMetadata(correlationId: "read")) { context in
                            _ = try context.load(Counter.self, id: "w0")
                        }
                        #expect(result.append == nil)
                        // Durable through the position it answers with: the log's head has reached it.
                        #expect(result.position <= (try log.headPosition()))
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try log.headPosition() == 32 * 20)
    }
}
