import Foundation

/// One HS256 key: its id (the token header's `kid`) and its secret (at least 32 bytes).
public struct SigningKey: Sendable, Hashable {
    public var id: String
    public var secret: String

    /// The key id a lone `STRATA_JWT_SECRET` (or the generated secret) is known by.
    public static let defaultID = "strata"

    public init(id: String, secret: String) {
        self.id = id
        self.secret = secret
    }

    /// Parses key pairs: one `kid secret` per line (a `:` or `=` may stand for the space;
    /// blank lines and `#` comments are skipped), or `kid:secret` pairs separated by commas.
    /// The first key signs; every key verifies.
    ///
    /// - Throws: ``TokenServiceError`` naming the first malformed entry (never its secret).
    public static func parseList(_ text: String) throws -> [SigningKey] {
        let entries = text.split(whereSeparator: { $0 == "\n" || $0 == "," }).map { $0.trimmingCharacters(in: .whitespaces) }
        var keys: [SigningKey] = []
        for (index, entry) in entries.enumerated() where !entry.isEmpty && !entry.hasPrefix("#") {
            guard let separator = entry.firstIndex(where: { $0 == " " || $0 == ":" || $0 == "=" || $0 == "\t" }) else {
                throw TokenServiceError("key entry \(index + 1) has no key id: use `kid secret`")
            }
            let id = String(entry[..<separator])
            let secret = entry[entry.index(after: separator)...].trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty, id.count <= 64, id.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                throw TokenServiceError("key entry \(index + 1): the key id must be 1–64 of A-Z a-z 0-9 - _ .")
            }
            guard !keys.contains(where: { $0.id == id }) else { throw TokenServiceError("key id \(id) appears twice") }
            keys.append(SigningKey(id: id, secret: secret))
        }
        guard !keys.isEmpty else { throw TokenServiceError("no signing key is given") }
        return keys
    }
}
