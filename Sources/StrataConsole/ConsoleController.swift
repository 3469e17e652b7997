import HTTPTypes
import Hummingbird
import StrataHTTP

/// Serves the operator's console: the page at `/admin` and its files below `/admin/`. Everything
/// is public (the page signs in through the API and holds the token in memory); every answer
/// carries the console's security headers, and an ETag that `If-None-Match` turns into a 304.
public struct ConsoleController<Context: RequestContext>: Sendable {
    public init() {}

    /// Adds `GET /admin` (the page) and `GET /admin/{file}` (its style sheet and scripts) to `router`.
    public func addRoutes(to router: Router<Context>) {
        router.get("/admin") { request, _ in Self.serve(ConsoleAssets.page, request) }
        router.get("/admin/:file") { request, context in
            let name = context.parameters.get("file") ?? ""
            guard let asset = ConsoleAssets.files[name] else { throw Problem.notFound("the console has no file \(name)") }
            return Self.serve(asset, request)
        }
    }

    /// The console's headers: scripts, styles and connections only from this origin, no inline
    /// script, no framing, no sniffing, no referrer.
    public static var securityHeaders: HTTPFields {
        [
            .contentSecurityPolicy: contentSecurityPolicy,
            .xContentTypeOptions: "nosniff",
            .xFrameOptions: "DENY",
            .referrerPolicy: "no-referrer",
        ]
    }

    static var contentSecurityPolicy: String {
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }

    static func serve(_ asset: ConsoleAsset, _ request: Request) -> Response {
        var headers = securityHeaders
        headers[.eTag] = asset.etag
        headers[.cacheControl] = "no-cache"
        if let match = request.headers[.ifNoneMatch], ConditionalGET.matches(match, asset.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = asset.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}

extension HTTPField.Name {
    static let contentSecurityPolicy = HTTPField.Name("Content-Security-Policy")!
    static let xContentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
}
