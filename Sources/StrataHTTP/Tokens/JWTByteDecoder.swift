import Foundation
import JWTKit
import StrataKit

/// jwt-kit's JSON decoder for verifying tokens, without Foundation's Codable machinery: every
/// authenticated request parses a token's header and claims, and Foundation's decoder was 3–4% of
/// the order path. Dates are NumericDate (seconds since 1970), as jwt-kit's default reads them.
struct JWTByteDecoder: JWTJSONDecoder {
    private let decoder = JSONByteDecoder(dates: .secondsSince1970)

    func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try decoder.decode(type, from: data)
    }
}
