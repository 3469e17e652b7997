import Foundation
import StrataKit

/// The input rules of consumer groups, each once: the HTTP layer reads the fields, these decide.
public enum GroupRules {
    /// The bounds of ``GroupSettings/ackTimeoutSeconds``.
    public static let ackTimeouts = 1...3600
    /// The bounds of ``GroupSettings/maxDeliveries``.
    public static let deliveries = 1...100
    /// The bounds of a poll's `max`.
    public static let pollSizes = 1...1000
    /// The bounds of a poll's `waitSeconds`.
    public static let waits = 0...30

    /// A group's name: 1–64 of `a-z 0-9 - _ .`.
    public static func isGroupName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
    }

    /// Every issue of `settings` (empty when it is valid).
    public static func issues(_ settings: GroupSettings) -> [FieldIssue] {
        var checks = FieldChecks()
        for (index, type) in settings.eventTypes.enumerated() {
            checks.text(type, "eventTypes[\(index)]", length: 1...200)
        }
        if settings.eventTypes.count > 100 { checks.fail("eventTypes", "must have at most 100 types") }
        checks.text(settings.streamPrefix, "streamPrefix", length: 0...200)
        checks.number(settings.ackTimeoutSeconds, "ackTimeoutSeconds", in: ackTimeouts)
        checks.number(settings.maxDeliveries, "maxDeliveries", in: deliveries)
        if let push = settings.push {
            if !isPushURL(push.url) { checks.fail("push.url", "must be an http or https URL with a host") }
            checks.text(push.secret, "push.secret", length: 16...256)
        }
        return checks.issues
    }

    /// A consumer's name: 1–200 characters.
    public static func consumerIssues(_ consumer: String) -> [FieldIssue] {
        var checks = FieldChecks()
        checks.text(consumer, "consumer", length: 1...200)
        return checks.issues
    }

    static func isPushURL(_ text: String) -> Bool {
        guard text.count <= 2000, let url = URL(string: text), let scheme = url.scheme?.lowercased(),
              scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty else { return false }
        return true
    }
}
