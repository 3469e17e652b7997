import Crypto
import Foundation
import StrataStore

/// AES-256-GCM with each subject's key from its `PersonalDataKeys` (StrataStore).
///
/// The nonce is synthetic: the first 12 bytes of HMAC-SHA256(key, plaintext). Sealing the same
/// text for the same subject gives the same bytes, so a read model rebuilt from the log equals the
/// live one byte for byte; different texts never share a nonce under one key. What it reveals is
/// that two sealed values of one subject are equal, which is acceptable for names and emails.
public struct AESGCMCipher: PersonalDataCipher {
    /// Where each subject's key is found.
    public let keys: any PersonalDataKeys

    /// A cipher with the keys of `keys`.
    public init(keys: any PersonalDataKeys) {
        self.keys = keys
    }

    public func seal(_ plaintext: [UInt8], subject: String) throws -> SealedValue {
        guard let key = try keys.key(for: subject) else {
            throw KeyStoreError(message: "no key for subject \(subject): create it before sealing")
        }
        let mac = HMAC<SHA256>.authenticationCode(for: plaintext, using: key)
        let box = try AES.GCM.seal(plaintext, using: key, nonce: try AES.GCM.Nonce(data: Array(mac.prefix(12))))
        return SealedValue(keyId: subject, nonce: Data(box.nonce), ciphertext: box.ciphertext + box.tag)
    }

    public func open(_ sealed: SealedValue, subject: String) throws -> [UInt8]? {
        guard let key = try keys.key(for: sealed.keyId) else { return nil }
        guard sealed.ciphertext.count >= 16 else { throw KeyStoreError(message: "sealed value too short") }
        let box = try AES.GCM.SealedBox(
            nonce: AES.GCM.Nonce(data: sealed.nonce),
            ciphertext: sealed.ciphertext.dropLast(16),
            tag: sealed.ciphertext.suffix(16)
        )
        return Array(try AES.GCM.open(box, using: key))
    }
}
