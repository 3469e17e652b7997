import Crypto

/// `Strata-Signature` of a pushed message: `sha256=` and the lowercase hex HMAC-SHA256 of the
/// exact body bytes, keyed with the group's secret (its UTF-8 bytes). A receiver computes the
/// same over the body it got and compares in constant time.
public enum PushSignature {
    /// The header's value for `body` under `secret`.
    public static func header(for body: [UInt8], secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + code.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
