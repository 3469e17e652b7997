import Hummingbird
import StrataKit
import StrataStore

/// `Strata-Min-Position: N` on a GET: wait, at most `timeout` (`STRATA_CONSISTENCY_WAIT`), until
/// the read models behind the route have applied position N, then answer; otherwise 503
/// `projection_lagging` with `Retry-After: 1`. Inline read models are current with the log's
/// head; async ones are asked through the `ProjectionRunner`.
public struct ConsistencyWait: Sendable {
    public let runner: ProjectionRunner
    public let timeout: Duration

    public init(runner: ProjectionRunner, timeout: Duration = .seconds(2)) {
        self.runner = runner
        self.timeout = timeout
    }

    /// The position a request asks for; `nil` without the header, 400 when it is not a position.
    public static func minimumPosition(_ request: Request) throws -> UInt64? {
        guard let text = request.headers[.strataMinPosition] else { return nil }
        guard let position = UInt64(text.trimmingCharacters(in: .whitespaces)) else {
            throw Problem(status: .badRequest, code: "invalid_parameter", detail: "header Strata-Min-Position must be a log position (an integer ≥ 0)")
        }
        return position
    }

    /// Waits until `projections` reached the request's `Strata-Min-Position`, if it has one.
    public func wait(for request: Request, projections: [String]) async throws {
        guard let wanted = try Self.minimumPosition(request) else { return }
        let deadline = ContinuousClock.now + timeout
        for name in projections {
            let left = deadline - ContinuousClock.now
            let reached: Bool
            if runner.mode(of: name) == .async {
                reached = await runner.waitUntil(name, reaches: wanted, timeout: max(.zero, left))
            } else {
                reached = await Self.waitForHead(runner.log, wanted, timeout: max(.zero, left))
            }
            guard reached else { throw Self.lagging(name, wanted) }
        }
    }

    /// Waits until the log's head reached `position`: inline read models are then current.
    public func waitForHead(of request: Request) async throws {
        guard let wanted = try Self.minimumPosition(request) else { return }
        guard await Self.waitForHead(runner.log, wanted, timeout: timeout) else { throw Self.lagging("the log", wanted) }
    }

    static func waitForHead(_ log: any EventReading, _ position: UInt64, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let head = try? log.headPosition(), head >= position { return true }
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    static func lagging(_ name: String, _ position: UInt64) -> Problem {
        Problem(
            status: .serviceUnavailable,
            code: "projection_lagging",
            detail: "\(name) has not reached position \(position) yet; retry",
            headers: ["Retry-After": "1"]
        )
    }
}

/// Applies ``ConsistencyWait`` to every GET that carries `Strata-Min-Position`, for the read
/// models that are current with the log's head; routes behind async projections wait for those too.
public struct ConsistencyMiddleware<Context: StrataRequestContextProtocol>: RouterMiddleware {
    let wait: ConsistencyWait

    public init(wait: ConsistencyWait) {
        self.wait = wait
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.method == .get || request.method == .head { try await wait.waitForHead(of: request) }
        return try await next(request, context)
    }
}
