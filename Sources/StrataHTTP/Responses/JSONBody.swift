import Foundation
import HTTPTypes
import Hummingbird
import StrataKit

/// Reads a JSON request body the way the API promises: `application/json` or 415; at most the
/// limit or 413; well-formed or 400 `malformed_json`; an object whose fields are all known, each
/// checked, and every failing field reported at once in one 422 `validation_failed`.
public enum JSONBody {
    /// The default body limit: 1 MiB.
    public static let defaultLimit = 1 << 20

    /// Collects and parses the body as a JSON object, checking its fields against `allowed`. The
    /// body may have `limit` bytes, by default the context's `maxUploadSize`.
    public static func object(
        _ request: Request,
        context: some RequestContext,
        allowed: Set<String>,
        limit: Int? = nil
    ) async throws -> JSONFields {
        let limit = limit ?? context.maxUploadSize
        guard let type = request.headers[.contentType], Self.isJSON(type) else { throw Problem.unsupportedMediaType }
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw Problem.payloadTooLarge(limit: limit) }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw Problem.payloadTooLarge(limit: limit)
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(buffer.readableBytesView)
        } catch {
            throw Problem.malformedJSON()
        }
        guard case .object(let members) = value else {
            throw Problem.validationFailed([FieldError(field: "", message: "the body must be a JSON object")])
        }
        var fields = JSONFields(members)
        for name in members.keys.sorted() where !allowed.contains(name) {
            fields.errors.append(FieldError(field: name, message: "unknown field"))
        }
        return fields
    }

    /// Whether a `Content-Type` is JSON (`application/json`, any parameters, any case), read as
    /// bytes: the media type before any `;`, spaces and tabs around it ignored.
    public static func isJSON(_ contentType: String) -> Bool {
        var type = contentType.utf8[...]
        if let semicolon = type.firstIndex(of: UInt8(ascii: ";")) { type = type[..<semicolon] }
        let blank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
        while let first = type.first, blank(first) { type = type.dropFirst() }
        while let last = type.last, blank(last) { type = type.dropLast() }
        let expected = "application/json".utf8
        guard type.count == expected.count else { return false }
        return zip(type, expected).allSatisfy { byte, wanted in
            (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte + 32 : byte) == wanted
        }
    }
}

/// The fields of a JSON body, read one by one; each failed check is recorded, and ``finish()``
/// throws them all together.
public struct JSONFields: Sendable {
    public let members: [String: JSONValue]
    public var errors: [FieldError] = []

    init(_ members: [String: JSONValue]) {
        self.members = members
    }

    /// Whether the body has the field (even as `null`).
    public func has(_ name: String) -> Bool { members[name] != nil }

    /// A string field, unchecked beyond its type (the domain checks its value).
    public mutating func string(_ name: String, required: Bool = true) -> String? {
        string(name, required: required, length: 0...Int.max)
    }

    /// An integer field, unchecked beyond its type (the domain checks its value).
    public mutating func integer(_ name: String, required: Bool = true) -> Int? {
        integer(name, required: required, in: Int.min...Int.max)
    }

    /// A string field, trimmed if asked, of a length in `length`.
    public mutating func string(_ name: String, required: Bool = true, trimmed: Bool = false, length: ClosedRange<Int>) -> String? {
        guard let value = members[name], value != .null else {
            if required { errors.append(FieldError(field: name, message: "is required")) }
            return nil
        }
        guard case .string(var text) = value else {
            errors.append(FieldError(field: name, message: "must be a string"))
            return nil
        }
        if trimmed { text = text.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard length.contains(text.count) else {
            errors.append(FieldError(field: name, message: "must be \(length.lowerBound)–\(length.upperBound) characters"))
            return nil
        }
        return text
    }

    /// An integer field in `range` (no fractions, no strings).
    public mutating func integer(_ name: String, required: Bool = true, in range: ClosedRange<Int>) -> Int? {
        guard let value = members[name], value != .null else {
            if required { errors.append(FieldError(field: name, message: "is required")) }
            return nil
        }
        guard case .integer(let number) = value, let integer = Int(exactly: number) else {
            errors.append(FieldError(field: name, message: "must be an integer"))
            return nil
        }
        guard range.contains(integer) else {
            errors.append(FieldError(field: name, message: "must be \(range.lowerBound)–\(range.upperBound)"))
            return nil
        }
        return integer
    }

    /// Records a failed check of the caller's own.
    public mutating func fail(_ name: String, _ message: String) {
        errors.append(FieldError(field: name, message: message))
    }

    /// Throws 422 `validation_failed` with every failing field, if any failed.
    public func finish() throws {
        guard errors.isEmpty else { throw Problem.validationFailed(errors) }
    }
}
