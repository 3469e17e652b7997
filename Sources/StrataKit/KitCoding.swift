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
    /// Formats from the date rounded to whole milliseconds, so that formatting a parsed string
    /// gives the same string back: a value read and written again never drifts.
    public static func string(from date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let base = Date(timeIntervalSince1970: Double(seconds)).formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
        return String(base.dropLast()) + "." + String(format: "%03lld", milliseconds - seconds * 1000) + "Z"
    }

    public static func date(from text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt).parse(text))
            ?? (try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(text))
    }
}
