import Foundation
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime

extension Client {
    /// A client of the Strata server at `url` over async-http-client: timestamps read with the
    /// milliseconds the server writes, every request signed with `token` when one is given.
    public init(strata url: URL, token: String? = nil, transport: any ClientTransport = AsyncHTTPClientTransport()) {
        self.init(
            serverURL: url,
            configuration: Configuration(dateTranscoder: .iso8601WithFractionalSeconds),
            transport: transport,
            middlewares: token.map { [BearerToken($0)] } ?? []
        )
    }
}
