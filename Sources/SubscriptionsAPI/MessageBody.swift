import StrataHTTP
import StrataSubscriptions

/// A delivered message as the API shows it, polled or pushed: its ackId, its deliveries, and the
/// event as the admin routes show it.
public struct MessageBody: Encodable, Sendable {
    public var ackId: String
    public var deliveries: Int
    public var event: EventBody

    /// The message of `delivered`.
    public init(_ delivered: DeliveredMessage) {
        ackId = delivered.ackId
        deliveries = delivered.deliveries
        event = EventBody(delivered.event)
    }
}
