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

    /// `value` as the bytes ``encoder(userInfo:)`` writes, by ``JSONByteEncoder`` (the same bytes,
    /// without Foundation's cost): what Strata stores and answers.
    public static func encode(_ value: some Encodable, userInfo: [CodingUserInfoKey: any Sendable] = [:]) throws -> [UInt8] {
        try JSONByteEncoder(userInfo: userInfo).encode(value)
    }

    /// Reads what ``encode(_:userInfo:)`` wrote, by ``JSONByteDecoder``.
    public static func decode<T: Decodable>(_ type: T.Type, from bytes: some Collection<UInt8>, userInfo: [CodingUserInfoKey: any Sendable] = [:]) throws -> T {
        try JSONByteDecoder(userInfo: userInfo).decode(type, from: bytes)
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
        if let fast = civilString(seconds: seconds, milliseconds: milliseconds - seconds * 1000) { return fast }
        let base = Date(timeIntervalSince1970: Double(seconds)).formatted(Date.ISO8601FormatStyle(timeZone: .gmt))
        return String(base.dropLast()) + "." + String(format: "%03lld", milliseconds - seconds * 1000) + "Z"
    }

    public static func date(from text: String) -> Date? {
        if let fast = civilDate(text) { return fast }
        return (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt).parse(text))
            ?? (try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(text))
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` by arithmetic (days to civil date, after Howard Hinnant), for
    /// years 1–9999; Foundation's formatter costs microseconds per call on the hot path.
    static func civilString(seconds: Int64, milliseconds: Int64) -> String? {
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = seconds - days * 86400
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        guard (1583...9999).contains(year) else { return nil }
        var bytes = [UInt8](repeating: 0, count: 24)
        func put(_ value: Int64, _ width: Int, at offset: Int) {
            var value = value
            for index in stride(from: offset + width - 1, through: offset, by: -1) {
                bytes[index] = UInt8(48 + value % 10)
                value /= 10
            }
        }
        put(year, 4, at: 0)
        bytes[4] = UInt8(ascii: "-")
        put(month, 2, at: 5)
        bytes[7] = UInt8(ascii: "-")
        put(day, 2, at: 8)
        bytes[10] = UInt8(ascii: "T")
        put(secondOfDay / 3600, 2, at: 11)
        bytes[13] = UInt8(ascii: ":")
        put(secondOfDay / 60 % 60, 2, at: 14)
        bytes[16] = UInt8(ascii: ":")
        put(secondOfDay % 60, 2, at: 17)
        bytes[19] = UInt8(ascii: ".")
        put(milliseconds, 3, at: 20)
        bytes[23] = UInt8(ascii: "Z")
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Parses exactly `YYYY-MM-DDTHH:MM:SS.mmmZ` (what ``string(from:)`` writes); anything else
    /// is left to Foundation's parser.
    static func civilDate(_ text: String) -> Date? {
        let bytes = Array(text.utf8)
        guard bytes.count == 24, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"), bytes[19] == UInt8(ascii: "."), bytes[23] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ offset: Int, _ width: Int) -> Int64? {
            var value: Int64 = 0
            for byte in bytes[offset..<(offset + width)] {
                guard (48...57).contains(byte) else { return nil }
                value = value * 10 + Int64(byte - 48)
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
            let minute = number(14, 2), let second = number(17, 2), let milliseconds = number(20, 3),
            year >= 1583, (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        let adjustedYear = month <= 2 ? year - 1 : year
        let era = (adjustedYear >= 0 ? adjustedYear : adjustedYear - 399) / 400
        let yearOfEra = adjustedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        let total = (days * 86400 + hour * 3600 + minute * 60 + second) * 1000 + milliseconds
        // A day past the month's end (say February 30) is not a date: check by formatting back.
        guard civilString(seconds: total >= 0 ? total / 1000 : (total - 999) / 1000, milliseconds: ((total % 1000) + 1000) % 1000) == text else { return nil }
        return Date(timeIntervalSince1970: Double(total) / 1000)
    }
}
