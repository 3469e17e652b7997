import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import StrataStore
import StrataSubscriptions
import StrataTestSupport
import SubscriptionsPush
import Synchronization
import Testing

/// The pusher against a real HTTP receiver on loopback: signed POSTs, retries with backoff while
/// the receiver fails, acknowledgement once it answers 2xx, parking after `maxDeliveries`.
@Suite(.serialized)
struct PushDeliveryTests {
    static let secret = "0123456789abcdef-secret"

    /// What the receiver got: each body with its headers.
    final class Received: Sendable {
        struct Post: Sendable {
            var body: [UInt8]
            var signature: String?
            var delivery: String?
        }

        let posts = Mutex<[Post]>([])
        /// How many POSTs to refuse (500) before answering 204; `nil`: refuse every one.
        let failures: Mutex<Int?>
        /// A stream whose events are answered only after `slowFor`, and whether one was answered.
        let slowStream: String?
        let slowFor: Duration
        let slowAnswered = Mutex(false)

        init(failing: Int?, slowStream: String? = nil, slowFor: Duration = .seconds(3)) {
            failures = Mutex(failing)
            self.slowStream = slowStream
            self.slowFor = slowFor
        }

        /// Whether `body` is a message of the slow stream.
        func isSlow(_ body: [UInt8]) -> Bool {
            guard let slowStream, let message = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return false }
            return (message["event"] as? [String: Any])?["streamId"] as? String == slowStream
        }

        func answer(_ post: Post) -> HTTPResponse.Status {
            posts.withLock { $0.append(post) }
            return failures.withLock { left in
                guard let remaining = left else { return .internalServerError }
                if remaining > 0 {
                    left = remaining - 1
                    return .internalServerError
                }
                return .noContent
            }
        }
    }

    /// Runs a receiver on a loopback port while `body` runs; passes its URL.
    private func withReceiver(_ received: Received, _ body: (String) async throws -> Void) async throws {
        let router = Router()
        router.post("hook") { request, context -> HTTPResponse.Status in
            let bytes = try await request.body.collect(upTo: 1 << 20)
            let body = Array(bytes.readableBytesView)
            if received.isSlow(body) {
                try await Task.sleep(for: received.slowFor)
                received.slowAnswered.withLock { $0 = true }
            }
            return received.answer(Received.Post(
                body: body,
                signature: request.headers[HTTPField.Name("Strata-Signature")!],
                delivery: request.headers[HTTPField.Name("Strata-Delivery")!]
            ))
        }
        let port = Mutex<Int?>(nil)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } }
        )
        let server = Task { try await app.runService() }
        defer { server.cancel() }
        var bound: Int?
        for _ in 0..<200 where bound == nil {
            bound = port.withLock { $0 }
            if bound == nil { try await Task.sleep(for: .milliseconds(10)) }
        }
        guard let bound else { throw CancellationError() }
        try await body("http://127.0.0.1:\(bound)/hook")
    }

    /// Runs the pusher over a fresh store with one push group "hook" to `url`; `body` appends and
    /// checks, and may stop the pusher (`stop` cancels it and waits until it has stopped).
    private func withPusher(
        url: String, maxDeliveries: Int, ackTimeoutSeconds: Int = 5, inFlight: Int = 64, counters: DeliveryCounters = DeliveryCounters(),
        _ body: (_ store: any EventStore, _ groups: ConsumerGroups, _ stop: () async throws -> Void) async throws -> Void
    ) async throws {
        let place = TestStorePlace(label: "push")
        defer { place.remove() }
        let store = try place.open()
        defer { store.close() }
        // One process's groups and pusher share their signals, as the server's do.
        let signals = GroupSignals()
        let groups = ConsumerGroups(store: store, signals: signals)
        _ = try await groups.put("hook", settings: GroupSettings(ackTimeoutSeconds: ackTimeoutSeconds, maxDeliveries: maxDeliveries, push: PushTarget(url: url, secret: Self.secret)))
        let pusher = PushDelivery(
            store: store, counters: counters, signals: signals, backoff: PushBackoff(base: .milliseconds(50)), inFlightPerGroup: inFlight,
            rescan: .milliseconds(50), logger: Logger(label: "test")
        )
        let running = Task { try await pusher.run() }
        defer { running.cancel() }
        try await body(store, groups) {
            running.cancel()
            try await running.value
        }
    }

    private func until(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<300 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test func messagesArePostedSignedRetriedAndAcknowledged() async throws {
        let received = Received(failing: 2)
        try await withReceiver(received) { url in
            try await withPusher(url: url, maxDeliveries: 5) { store, groups, _ in
                for stream in ["a", "b", "a"] {
                    _ = try await store.append(AppendRequest(streamId: stream, expectedVersion: .any, events: [EventData(type: "Thing", data: Array("{}".utf8))]))
                }
                #expect(try await until { try await groups.status("hook").position == 3 })
                let posts = received.posts.withLock { $0 }
                #expect(posts.count >= 5)
                for post in posts {
                    let code = HMAC<SHA256>.authenticationCode(for: post.body, using: SymmetricKey(data: Array(Self.secret.utf8)))
                    #expect(post.signature == "sha256=" + code.map { String(format: "%02x", $0) }.joined())
                    let message = try JSONSerialization.jsonObject(with: Data(post.body)) as? [String: Any]
                    #expect(post.delivery == message?["ackId"] as? String)
                    #expect((message?["event"] as? [String: Any])?["type"] as? String == "Thing")
                }
                let status = try await groups.status("hook")
                #expect(status.inFlight == 0 && status.parked == 0)
            }
        }
    }

    /// The window rolls: while one POST waits on a slow answer, the other places keep taking
    /// messages — five windows' worth go out before the slow one is answered.
    @Test func aSlowAnswerHoldsOnePlaceNotTheOthers() async throws {
        let received = Received(failing: 0, slowStream: "slow", slowFor: .seconds(4))
        try await withReceiver(received) { url in
            try await withPusher(url: url, maxDeliveries: 5, inFlight: 8) { store, groups, _ in
                _ = try await store.append(AppendRequest(streamId: "slow", expectedVersion: .any, events: [EventData(type: "Thing", data: Array("{}".utf8))]))
                for index in 0..<40 {
                    _ = try await store.append(AppendRequest(streamId: "fast-\(index)", expectedVersion: .any, events: [EventData(type: "Thing", data: Array("{}".utf8))]))
                }
                #expect(try await until { received.posts.withLock { $0.count } >= 40 })
                #expect(!received.slowAnswered.withLock { $0 }, "the other 40 waited for the slow answer")
                #expect(try await until { try await groups.status("hook").position == 41 })
            }
        }
    }

    /// A push group deleted and made again under its name is pushed again, whenever its driver
    /// noticed it gone.
    @Test func aGroupMadeAgainIsPushedAgain() async throws {
        let received = Received(failing: 0)
        try await withReceiver(received) { url in
            try await withPusher(url: url, maxDeliveries: 5) { store, groups, _ in
                let thing = [EventData(type: "Thing", data: Array("{}".utf8))]
                _ = try await store.append(AppendRequest(streamId: "a", expectedVersion: .any, events: thing))
                #expect(try await until { try await groups.status("hook").position == 1 })
                for pause in [Duration.zero, .milliseconds(30), .milliseconds(200), .milliseconds(1500)] {
                    try await groups.delete("hook")
                    try await Task.sleep(for: pause)
                    _ = try await groups.put("hook", settings: GroupSettings(startFrom: .end, push: PushTarget(url: url, secret: Self.secret)))
                    let last = try await store.append(AppendRequest(streamId: "a", expectedVersion: .any, events: thing)).positions?.upperBound ?? 0
                    #expect(try await until { try await groups.status("hook").position == last }, "not pushed after a pause of \(pause)")
                }
            }
        }
    }

    /// A push group's new target takes the next message, while the pusher waits idle.
    @Test func aNewTargetTakesTheNextMessage() async throws {
        let first = Received(failing: 0), second = Received(failing: 0)
        try await withReceiver(first) { firstURL in
            try await withReceiver(second) { secondURL in
                try await withPusher(url: firstURL, maxDeliveries: 5) { store, groups, _ in
                    let thing = [EventData(type: "Thing", data: Array("{}".utf8))]
                    _ = try await store.append(AppendRequest(streamId: "a", expectedVersion: .any, events: thing))
                    #expect(try await until { try await groups.status("hook").position == 1 })
                    try await Task.sleep(for: .milliseconds(200))
                    _ = try await groups.put("hook", settings: GroupSettings(ackTimeoutSeconds: 5, maxDeliveries: 5, push: PushTarget(url: secondURL, secret: Self.secret)))
                    _ = try await store.append(AppendRequest(streamId: "a", expectedVersion: .any, events: thing))
                    #expect(try await until { try await groups.status("hook").position == 2 })
                    #expect(first.posts.withLock { $0.count } == 1 && second.posts.withLock { $0.count } == 1)
                }
            }
        }
    }

    /// A push group made a polled one while a POST waits for its answer: the pusher lets the
    /// message go at once, and a consumer polls it (not after the group's 30 s ack timeout).
    @Test func aGroupNoLongerPushedGivesItsMessagesToConsumers() async throws {
        let received = Received(failing: 0, slowStream: "slow", slowFor: .seconds(20))
        try await withReceiver(received) { url in
            try await withPusher(url: url, maxDeliveries: 5) { store, groups, _ in
                _ = try await groups.put("hook", settings: GroupSettings(ackTimeoutSeconds: 30, maxDeliveries: 5, push: PushTarget(url: url, secret: Self.secret)))
                _ = try await store.append(AppendRequest(streamId: "slow", expectedVersion: .any, events: [EventData(type: "Thing", data: Array("{}".utf8))]))
                #expect(try await until { try await groups.status("hook").inFlight == 1 })
                try await Task.sleep(for: .milliseconds(200))
                _ = try await groups.put("hook", settings: GroupSettings(ackTimeoutSeconds: 30, maxDeliveries: 5))
                let started = ContinuousClock.now
                let polled = try await groups.poll("hook", consumer: "c", max: 10, wait: .seconds(20))
                #expect(polled.map(\.event.position) == [1])
                #expect(ContinuousClock.now - started < .seconds(10), "waited for the ack timeout")
            }
        }
    }

    /// A pusher stopped while a POST waits for its answer gives the message back: another
    /// consumer gets it at once, not after the group's 30 s ack timeout.
    @Test func aStoppedPusherGivesBackWhatItHadNotPosted() async throws {
        let received = Received(failing: 0, slowStream: "slow", slowFor: .seconds(20))
        try await withReceiver(received) { url in
            try await withPusher(url: url, maxDeliveries: 5, ackTimeoutSeconds: 30) { store, groups, stop in
                _ = try await store.append(AppendRequest(streamId: "slow", expectedVersion: .any, events: [EventData(type: "Thing", data: Array("{}".utf8))]))
                #expect(try await until { try await groups.status("hook").inFlight == 1 })
                try await Task.sleep(for: .milliseconds(200))
                try await stop()
                let again = try await groups.pollForPush("hook", consumer: "another-server", max: 10).messages
                #expect(again.map(\.event.position) == [1])
                #expect(!received.slowAnswered.withLock { $0 })
            }
        }
    }

    /// A receiver nothing listens for: the delivery fails on the connection (the client tries to
    /// connect until its connect timeout or the POST's), and is counted so.
    @Test func anUnreachableReceiverIsCountedAsAConnectionFailure() async throws {
        let counters = DeliveryCounters()
        // Port 1 (tcpmux): nothing serves it on loopback, so the connection is refused.
        try await withPusher(url: "http://127.0.0.1:1/hook", maxDeliveries: 1, counters: counters) { store, groups, _ in
            _ = try await store.append(AppendRequest(streamId: "a", expectedVersion: .any, events: [EventData(type: "Thing", data: Array("{}".utf8))]))
            #expect(try await until { try await groups.status("hook").parked == 1 })
            #expect(counters.snapshot["hook"]?.pushFailures == ["connection": 1])
        }
    }

    @Test func aMessageTheReceiverAlwaysRefusesIsParkedAfterItsDeliveries() async throws {
        let received = Received(failing: nil)
        let counters = DeliveryCounters()
        try await withReceiver(received) { url in
            try await withPusher(url: url, maxDeliveries: 3, counters: counters) { store, groups, _ in
                _ = try await store.append(AppendRequest(streamId: "a", expectedVersion: .any, events: [EventData(type: "Thing", data: Array("{}".utf8))]))
                #expect(try await until { try await groups.status("hook").parked == 1 })
                #expect(received.posts.withLock { $0.count } == 3)
                #expect(try await groups.parked("hook").first?.deliveries == 3)
                #expect(try await groups.status("hook").position == 1)
                #expect(counters.snapshot["hook"]?.pushFailures == ["status_5xx": 3])
            }
        }
    }
}
