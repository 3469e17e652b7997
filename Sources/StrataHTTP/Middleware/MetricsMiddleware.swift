import Hummingbird

/// Counts every request and times it, by route pattern (not the raw path, so ids do not blow up
/// the label set), method and status; errors are counted with the status they will be answered with.
public struct MetricsMiddleware<Context: StrataRequestContextProtocol>: RouterMiddleware {
    let metrics: StrataMetrics

    public init(metrics: StrataMetrics) {
        self.metrics = metrics
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let status: Int
        do {
            let response = try await next(request, context)
            status = response.status.code
            record(request, context, status: status, since: start)
            return response
        } catch {
            record(request, context, status: ProblemMiddleware<Context>.problem(for: error).status, since: start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, status: Int, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let nanoseconds = UInt64(elapsed.components.seconds) * 1_000_000_000 + UInt64(elapsed.components.attoseconds / 1_000_000_000)
        metrics.recordRequest(
            route: context.endpointPath ?? "unmatched",
            method: request.method.rawValue,
            status: status,
            nanoseconds: nanoseconds
        )
    }
}
