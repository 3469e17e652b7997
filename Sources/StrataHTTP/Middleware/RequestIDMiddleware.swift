import HTTPTypes
import Hummingbird
import StrataStore

/// Gives every request an id: the client's `Strata-Request-Id` when it is a sane token (1–128 of
/// `A-Z a-z 0-9 . _ : -`), a fresh UUIDv7 otherwise. The id is put on the response; the access
/// log and error lines name it (`request.id`). It is not set on the context's logger: a
/// `StreamLogHandler` re-renders its metadata on every change, 5% of a cached GET's time.
/// Outermost, so errors answered inside carry it too. A valid W3C `traceparent` header is kept
/// on the context, for the events the request's command appends; an invalid one is ignored, as
/// the W3C recommendation asks.
public struct RequestIDMiddleware<Context: StrataRequestContextProtocol>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let id = request.headers[.strataRequestID].flatMap { Self.isSane($0) ? $0 : nil } ?? UUIDv7.makeString()
        context.requestID = id
        context.traceparent = request.headers[.traceparent].flatMap { TraceParent.isValid($0) ? $0 : nil }
        var response = try await next(request, context)
        response.headers[.strataRequestID] = id
        return response
    }

    static func isSane(_ value: String) -> Bool {
        (1...128).contains(value.utf8.count)
            && value.utf8.allSatisfy { byte in
                (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || [46, 95, 58, 45].contains(byte)
            }
    }
}
