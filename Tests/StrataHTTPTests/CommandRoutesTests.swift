import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
@testable import StrataHTTP
import StrataKit
import StrataStore
import StrataTestSupport
import Synchronization
import Testing

/// A command route gets its options as an argument: a keyed POST's claim, nothing otherwise; an
/// answer stored with a key is given again without calling the handler.
@Suite struct CommandRoutesTests {
    /// What the handler was called with: the key of its claim, or "" without one.
    final class Calls: Sendable {
        let keys = Mutex<[String]>([])
    }

    private func application(_ log: any EventStore, _ calls: Calls) -> some ApplicationProtocol {
        let logger = Logger(label: "test")
        let router = Router(context: StrataRequestContext.self)
        router.add(middleware: ProblemMiddleware(logger: logger))
        let commands = CommandRoutes(store: IdempotencyStore(store: log), log: log)
        let handler: @Sendable (Request, StrataRequestContext, CommandOptions) async throws -> Response = { _, _, options in
            calls.keys.withLock { $0.append(options.idempotency?.key ?? "") }
            // Stores the answer with the key the way a command's follow-up does, in its own write transaction.
            let answer = try StoredAnswer.json(["n": calls.keys.withLock { $0.count }], status: .created)
            if let claim = options.idempotency {
                _ = try await log.perform { transaction in try claim.stake(answer: try answer.encoded(), position: 1, in: transaction) }
            }
            return answer.response
        }
        router.post("/things", use: commands.handler(handler))
        router.patch("/things", use: commands.handler(handler))
        return Application(router: router, logger: logger)
    }

    @Test func optionsCarryTheClaimOfAKeyedPostAndAStoredAnswerIsGivenAgain() async throws {
        let place = TestStorePlace()
        defer { place.remove() }
        let log = try place.open()
        defer { log.close() }
        let calls = Calls()
        try await application(log, calls).test(.router) { client in
            try await client.execute(uri: "/things", method: .post, body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .created)
            }
            try await client.execute(uri: "/things", method: .patch, headers: [.idempotencyKey: "k1"], body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .created)
            }
            try await client.execute(uri: "/things", method: .post, headers: [.idempotencyKey: "k1"], body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .created && response.headers[.idempotentReplayed] == nil)
            }
            // The same key and request: the first answer, and the handler is not called.
            try await client.execute(uri: "/things", method: .post, headers: [.idempotencyKey: "k1"], body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .created && response.headers[.idempotentReplayed] == "true")
                #expect(String(buffer: response.body) == #"{"n":3}"#)
            }
            try await client.execute(uri: "/things", method: .post, headers: [.idempotencyKey: "k1"], body: ByteBuffer(string: #"{"other":1}"#)) { response in
                #expect(response.status == .unprocessableContent)
            }
            try await client.execute(uri: "/things", method: .post, headers: [.idempotencyKey: String(repeating: "k", count: 256)], body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .unprocessableContent)
            }
        }
        #expect(calls.keys.withLock { $0 } == ["", "", "k1"])
    }

    @Test func theAnswerIsRenderedInTheTransactionOnlyWhenSomethingNeedsIt() throws {
        let place = TestStorePlace()
        defer { place.remove() }
        let log = try place.open()
        defer { log.close() }
        let claim = IdempotencyClaim(store: IdempotencyStore(store: log), user: "user u", key: "k", requestHash: "h")
        #expect(CommandOptions().rendersInTransaction(on: log) == log.traits.prefersDecisionsOnTheWriter)
        #expect(CommandOptions(idempotency: claim).rendersInTransaction(on: log))
    }
}
