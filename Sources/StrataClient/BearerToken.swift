import Foundation
import HTTPTypes
import OpenAPIRuntime

/// Signs every request of a ``Client`` with `Authorization: Bearer <token>`: the client's
/// middleware for a signed-in caller (an access token from `signIn` or `refreshSession`).
public struct BearerToken: ClientMiddleware {
    /// The access token sent.
    public var token: String

    /// Requests sent with `token`.
    public init(_ token: String) {
        self.token = token
    }

    public func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        baseURL: URL,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.authorization] = "Bearer \(token)"
        return try await next(request, body, baseURL)
    }
}
