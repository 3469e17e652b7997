import Hummingbird
import Synchronization

/// A Hummingbird application of a test's own on a loopback port the system picked, started and
/// bound before `start` returns (a port chosen first and bound later can be taken meanwhile — by
/// the very server under test).
struct LoopbackServer: Sendable {
    let port: Int
    private let serving: Task<Void, any Error>

    static func start(_ router: Router<BasicRequestContext>) async throws -> LoopbackServer {
        let bound = Mutex<Int?>(nil)
        let application = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in bound.withLock { $0 = channel.localAddress?.port } }
        )
        let serving = Task { try await application.runService() }
        for _ in 0..<1000 {
            if let port = bound.withLock({ $0 }) { return LoopbackServer(port: port, serving: serving) }
            try await Task.sleep(for: .milliseconds(10))
        }
        serving.cancel()
        throw CancellationError()
    }

    func stop() { serving.cancel() }
}
