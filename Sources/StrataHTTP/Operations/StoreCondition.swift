import HTTPTypes
import Hummingbird
import Synchronization

/// Whether writes are being refused because the store (or its disk) is full: set by a 507
/// `store_full` answer, cleared by the next write that succeeds. `/health/ready` and `/metrics`
/// report it; writes are never blocked by it — each one tries again, so they resume by themselves
/// once there is room.
public final class StoreCondition: Sendable {
    private let full = Atomic<Bool>(false)

    public init() {}

    /// Whether the last write was refused for want of room.
    public var isFull: Bool { full.load(ordering: .acquiring) }

    public func noteFull() { full.store(true, ordering: .releasing) }

    public func noteWritten() { full.store(false, ordering: .releasing) }
}

/// Feeds ``StoreCondition`` from answers: a 507 marks the store full; a successful POST, PATCH or
/// DELETE marks it writable again. Sits outside ``ProblemMiddleware`` so it sees final statuses.
public struct StoreConditionMiddleware<Context: StrataRequestContextProtocol>: RouterMiddleware {
    let condition: StoreCondition

    public init(condition: StoreCondition) {
        self.condition = condition
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response = try await next(request, context)
        if response.status.code == 507 {
            condition.noteFull()
        } else if (200..<300).contains(response.status.code), request.method != .get, request.method != .head {
            condition.noteWritten()
        }
        return response
    }
}
