import Foundation

/// The one JSON encoding Strata stores: keys sorted, so the same value always gives the same
/// bytes (a rebuilt read model equals the live one byte for byte); dates as RFC 3339 UTC with
/// milliseconds.
public enum KitCoding {
    /// A configured encoder; `userInfo` carries the personal-data cipher when one is in use.
    public static func encoder(userInfo: [CodingUserInfoKey: any Sendable] = [:]) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(RFC3339.string(from: date))
        }
        encoder.userInfo = userInfo
        return encoder
    }

    /// A decoder matching ``encoder(userInfo:)``.
    public static func decoder(userInfo: [CodingUserInfoKey: any Sendable] = [:]) -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = RFC3339.date(from: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an RFC 3339 date: \(text)")
            }
            return date
        }
        decoder.userInfo = userInfo
        return decoder
    }
}

/// RFC 3339 timestamps in UTC with milliseconds, as the API promises.
public enum RFC3339 {
    public static func string(from date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    public static func date(from text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt).parse(text))
            ?? (try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(text))
    }
}
