import Foundation

/// Seals and opens personal data with a key of the data's subject (the user it is about).
/// Destroying a subject's key makes everything sealed with it unreadable: erasure by
/// crypto-shredding.
public protocol PersonalDataCipher: Sendable {
    /// Seals `plaintext` with `subject`'s key.
    func seal(_ plaintext: [UInt8], subject: String) throws -> SealedValue
    /// Opens a sealed value; `nil` when the subject's key is gone.
    func open(_ sealed: SealedValue, subject: String) throws -> [UInt8]?
}

/// Encrypted bytes with what is needed to open them: the key id, the nonce and the ciphertext
/// with its authentication tag (AES-GCM), each base64 in JSON.
public struct SealedValue: Codable, Sendable, Hashable {
    public var keyId: String
    public var nonce: Data
    public var ciphertext: Data

    public init(keyId: String, nonce: Data, ciphertext: Data) {
        self.keyId = keyId
        self.nonce = nonce
        self.ciphertext = ciphertext
    }
}

extension CodingUserInfoKey {
    /// Where encoders and decoders find the ``PersonalDataCipher``.
    public static let personalDataCipher = CodingUserInfoKey(rawValue: "strata.personalDataCipher")!
}

/// A personal text field (a name, an email). It is only ever encoded sealed with its subject's
/// key — encoding without a cipher fails rather than write plaintext — and decodes to `nil` once
/// the key is destroyed.
public struct PersonalString: Codable, Sendable, Hashable {
    /// Whose personal data this is (a user id): whose key seals it.
    public var subject: String
    /// The text, or `nil` when it can no longer be read (erased).
    public var value: String?

    /// A personal value of `subject`, sealed with its key when encoded.
    public init(subject: String, value: String?) {
        self.subject = subject
        self.value = value
    }

    private enum CodingKeys: String, CodingKey {
        case subject
        case sealed
    }

    /// Thrown when personal data would be written without a cipher.
    public struct MissingCipher: Error, Sendable {}

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(subject, forKey: .subject)
        guard let value else {
            try container.encodeNil(forKey: .sealed)
            return
        }
        guard let cipher = encoder.userInfo[.personalDataCipher] as? any PersonalDataCipher else { throw MissingCipher() }
        try container.encode(try cipher.seal(Array(value.utf8), subject: subject), forKey: .sealed)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        subject = try container.decode(String.self, forKey: .subject)
        guard let sealed = try container.decodeIfPresent(SealedValue.self, forKey: .sealed),
            let cipher = decoder.userInfo[.personalDataCipher] as? any PersonalDataCipher,
            let bytes = try cipher.open(sealed, subject: subject)
        else {
            value = nil
            return
        }
        value = String(decoding: bytes, as: UTF8.self)
    }
}
