import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import StrataKit

/// An HTTP answer as a value: status, headers and body bytes. Commands build their answers as
/// these so that one made inside the command's transaction can be stored with its idempotency key
/// (`IdempotencyRecord.answer` holds it encoded) and given again, byte for byte.
public struct StoredAnswer: Codable, Sendable, Hashable {
    public var status: Int
    /// Header names and values, in order.
    public var headers: [[String]]
    public var body: [UInt8]

    public init(status: HTTPResponse.Status, headers: HTTPFields, body: [UInt8]) {
        self.status = status.code
        self.headers = headers.map { [$0.name.rawName, $0.value] }
        self.body = body
    }

    /// `value` as a JSON body with `Content-Type: application/json` and `Cache-Control: no-store`,
    /// plus `headers`.
    public static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) throws -> StoredAnswer {
        var headers = HTTPFields()
        headers[.contentType] = JSONResponse.contentType
        headers[.cacheControl] = "no-store"
        for field in extra { headers[field.name] = field.value }
        return StoredAnswer(status: status, headers: headers, body: try KitCoding.encode(value))
    }

    /// The answer as a response.
    public var response: Response {
        var fields = HTTPFields()
        for pair in headers where pair.count == 2 {
            if let name = HTTPField.Name(pair[0]) { fields.append(HTTPField(name: name, value: pair[1])) }
        }
        return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The bytes an idempotency record keeps.
    func encoded() throws -> [UInt8] {
        Array(try JSONEncoder().encode(self))
    }

    init(decoding bytes: [UInt8]) throws {
        self = try JSONDecoder().decode(StoredAnswer.self, from: Data(bytes))
    }
}
