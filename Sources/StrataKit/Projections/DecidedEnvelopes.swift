import StrataStore
import Synchronization

/// The events this process decided and committed, as their envelopes, by position: an async
/// projection that follows the log takes them from here instead of decoding what was encoded a
/// moment before. Filled once a commit is durable (never with what rolled back), and matched by
/// position and event id, so an entry can only stand for the very event the log holds there;
/// events of other processes, or ones that aged out, are decoded as before.
///
/// Positions are dense, so the envelopes sit in a ring of `capacity` slots by position: keeping
/// one is a store into its slot (on the writer thread, after each commit), finding one a load.
final class DecidedEnvelopes: Sendable {
    private let slots: Mutex<[Envelope?]>
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        slots = Mutex(Array(repeating: nil, count: max(1, capacity)))
    }

    /// Remembers `envelopes`, which a durable commit wrote.
    func remember(_ envelopes: [Envelope]) {
        slots.withLock { slots in
            for envelope in envelopes { slots[slot(of: envelope.position)] = envelope }
        }
    }

    /// The envelope of `event` if this process decided it.
    func envelope(of event: RecordedEvent) -> Envelope? {
        slots.withLock { slots in
            guard let envelope = slots[slot(of: event.position)], envelope.position == event.position, envelope.eventId == event.id else {
                return nil
            }
            return envelope
        }
    }

    private func slot(of position: UInt64) -> Int { Int(position % UInt64(capacity)) }
}
