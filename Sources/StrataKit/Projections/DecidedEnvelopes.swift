import StrataStore
import Synchronization

/// The events this process decided and committed, as their envelopes, by position: an async
/// projection that follows the log takes them from here instead of decoding what was encoded a
/// moment before. Filled once a commit is durable (never with what rolled back), and matched by
/// position and event id, so an entry can only stand for the very event the log holds there;
/// events of other processes, or ones that aged out, are decoded as before.
///
/// Bounded by entry count in two generations (``TwoGenerations``).
final class DecidedEnvelopes: Sendable {
    private let entries: Mutex<TwoGenerations<UInt64, Envelope>>

    init(capacity: Int) {
        entries = Mutex(TwoGenerations(capacity: capacity))
    }

    /// Remembers `envelopes`, which a durable commit wrote.
    func remember(_ envelopes: [Envelope]) {
        entries.withLock { entries in
            for envelope in envelopes { entries.set(envelope, for: envelope.position) }
        }
    }

    /// The envelope of `event` if this process decided it.
    func envelope(of event: RecordedEvent) -> Envelope? {
        entries.withLock { entries in
            guard let envelope = entries.peek(event.position), envelope.eventId == event.id else { return nil }
            return envelope
        }
    }
}
