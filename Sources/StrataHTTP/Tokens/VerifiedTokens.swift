import Foundation
import StrataKit
import Synchronization

/// Access tokens that verified, with the identity each proves and its `exp`, so that the next
/// request bearing the same token — a client's connection sends it on every request — is not
/// parsed and HMAC-checked again.
///
/// Keyed by the token's exact text: only a token identical to one that verified is answered, and
/// never at or after its `exp`. The cache belongs to one ``TokenService``, whose keys never change,
/// so removing a key (a new service, at restart) leaves nothing verified by it. Revocation is
/// not the token's business: the authentication middleware asks whether the session and the user
/// still stand on every request, hit or miss. Bounded by entry count (``TwoGenerations``).
final class VerifiedTokens: Sendable {
    private struct Entry {
        var identity: Identity
        /// The token's `exp`: it is refused from this instant on.
        var expires: Date
    }

    private let entries: Mutex<TwoGenerations<String, Entry>>

    init(capacity: Int) {
        entries = Mutex(TwoGenerations(capacity: capacity))
    }

    /// The identity `token` proved, if it verified before and has not expired at `now`.
    func identity(for token: String, now: Date) -> Identity? {
        entries.withLock { entries in
            guard let entry = entries.get(token) else { return nil }
            guard now < entry.expires else {
                entries.remove(token)
                return nil
            }
            return entry.identity
        }
    }

    /// Remembers that `token` proves `identity` until `expires`.
    func remember(_ token: String, proves identity: Identity, until expires: Date) {
        entries.withLock { $0.set(Entry(identity: identity, expires: expires), for: token) }
    }

    /// The tokens held.
    var count: Int { entries.withLock { $0.count } }
}
