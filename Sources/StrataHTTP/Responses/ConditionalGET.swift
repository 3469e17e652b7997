import HTTPTypes
import Hummingbird
import StrataKit

/// Answers a GET from an encoded view: `ETag`, `Strata-Position` and `Cache-Control` always, and
/// `304 Not Modified` with no body when `If-None-Match` names the ETag.
public enum ConditionalGET {
    /// `Cache-Control` of public catalog answers: revalidate with the ETag.
    public static let publicCache = "no-cache"
    /// `Cache-Control` of answers about the caller.
    public static let privateCache = "private, no-cache"

    public static func response(_ view: CachedView, request: Request, cacheControl: String) -> Response {
        var headers = HTTPFields()
        headers[.eTag] = view.etag
        headers[.cacheControl] = cacheControl
        headers[.strataPosition] = String(view.position)
        if let match = request.headers[.ifNoneMatch], matches(match, view.etag) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = JSONResponse.contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: view.body)))
    }

    /// Whether an `If-None-Match` list names `etag` (or is `*`); weak and strong compare alike.
    public static func matches(_ header: String, _ etag: String) -> Bool {
        let wanted = etag.hasPrefix("W/") ? String(etag.dropFirst(2)) : etag
        return header.split(separator: ",").contains { candidate in
            let trimmed = candidate.trimmingCharacters(in: .whitespaces)
            return trimmed == "*" || (trimmed.hasPrefix("W/") ? String(trimmed.dropFirst(2)) : trimmed) == wanted
        }
    }

    /// A strong ETag from a version or position.
    public static func etag(_ version: UInt64) -> String { "\"\(version)\"" }
}
