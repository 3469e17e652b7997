import HTTPTypes
import Hummingbird

/// The limits of one request, checked before anything else reads it: request headers over
/// `headerBytes` are 431 `headers_too_large`; a body over `bodyBytes` is 413 `payload_too_large`
/// (at once when `Content-Length` says so, else when reading passes the limit).
public struct RequestLimitsMiddleware<Context: StrataRequestContextProtocol>: RouterMiddleware {
    public let headerBytes: Int
    public let bodyBytes: Int

    public init(headerBytes: Int = RequestLimits.defaultHeaderBytes, bodyBytes: Int = JSONBody.defaultLimit) {
        self.headerBytes = headerBytes
        self.bodyBytes = bodyBytes
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var size = 0
        for field in request.headers { size += field.name.rawName.utf8.count + field.value.utf8.count + 4 }
        guard size <= headerBytes else {
            throw Problem(
                status: .requestHeaderFieldsTooLarge,
                code: "headers_too_large",
                detail: "the request headers are over \(headerBytes) bytes"
            )
        }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > bodyBytes { throw Problem.payloadTooLarge(limit: bodyBytes) }
        var context = context
        context.bodyLimit = bodyBytes
        return try await next(request, context)
    }
}

/// Defaults of the request limits (each configurable on the server).
public enum RequestLimits {
    /// Request headers: 16 KiB in all.
    public static let defaultHeaderBytes = 16 << 10
    /// How far past the header limit the HTTP parser still reads, so that a request a little over
    /// it is answered by the middleware (its request id kept); past it, ``HeaderOverflowHandler``
    /// answers the same 431.
    public static let parserAllowance = 64 << 10
}
