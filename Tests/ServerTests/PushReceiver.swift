import Foundation
import HTTPTypes
import Hummingbird
import StrataTestSupport
import Synchronization

/// A webhook receiver on a loopback port for the live-server tests: it answers 503 to the first
/// `refusing` POSTs, then 200, and counts the messages it took by their event's position.
final class PushReceiver: Sendable {
    /// Deliveries taken, by position.
    private final class Tally: Sendable {
        let counts = Mutex<[Int: Int]>([:])
        /// The `traceparent` header of each POST that had one.
        let traceparents = Mutex<[String]>([])
        let refusals: Mutex<Int>
        init(refusing: Int) { refusals = Mutex(refusing) }
    }

    private let tally: Tally
    private let server: LoopbackServer

    private init(tally: Tally, server: LoopbackServer) {
        self.tally = tally
        self.server = server
    }

    /// A receiver listening before this returns.
    static func start(refusing: Int = 0) async throws -> PushReceiver {
        let tally = Tally(refusing: refusing)
        let router = Router()
        router.post("hook") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 1 << 20)
            if let traceparent = request.headers[HTTPField.Name("traceparent")!] { tally.traceparents.withLock { $0.append(traceparent) } }
            if tally.refusals.withLock({ left in defer { left -= 1 }; return left > 0 }) { return .serviceUnavailable }
            let message = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
            if let position = (message?["event"] as? [String: Any])?["position"] as? Int { tally.counts.withLock { $0[position, default: 0] += 1 } }
            return .ok
        }
        return PushReceiver(tally: tally, server: try await LoopbackServer.start(router))
    }

    /// Where a push group sends to this receiver.
    var url: String { "http://127.0.0.1:\(server.port)/hook" }

    /// The `traceparent` headers of the POSTs so far.
    var traceparents: [String] { tally.traceparents.withLock { $0 } }

    /// How many events it took (each once, however often delivered).
    var events: Int { tally.counts.withLock { $0.count } }

    /// Waits up to `timeout` for `count` events; returns how many it has then.
    func waitFor(_ count: Int, timeout: Duration = .seconds(15)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while events < count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        return events
    }

    func stop() { server.stop() }
}
