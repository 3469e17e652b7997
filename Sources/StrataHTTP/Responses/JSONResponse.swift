import HTTPTypes
import Hummingbird
import NIOCore
import StrataKit

/// A JSON answer that is not served from a read model (commands, admin, health): encoded with
/// `KitCoding`, `Content-Type: application/json; charset=utf-8`, `Cache-Control: no-store`.
public enum JSONResponse {
    public static let contentType = "application/json; charset=utf-8"

    /// `value` as the body; `headers` are added (and may replace `Cache-Control`).
    public static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.cacheControl] = "no-store"
        for field in extra { headers[field.name] = field.value }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try KitCoding.encode(value))))
    }
}
