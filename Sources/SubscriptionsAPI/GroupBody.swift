import StrataHTTP
import StrataKit
import StrataSubscriptions

/// The bodies of the subscription routes, read field by field: types and shapes here, every
/// value rule in ``GroupRules`` — so one 422 names every failing field.
enum GroupBody {
    /// The fields of `PUT /v1/subscriptions/{group}`.
    static let settingsFields: Set<String> = ["eventTypes", "streamPrefix", "startFrom", "ackTimeoutSeconds", "maxDeliveries", "push"]

    /// A group's settings from a PUT body; the defaults of the contract for what is left out.
    static func settings(_ fields: inout JSONFields) -> GroupSettings {
        var settings = GroupSettings()
        settings.eventTypes = strings(&fields, "eventTypes") ?? []
        settings.streamPrefix = fields.string("streamPrefix", required: false) ?? ""
        // Absent is `start`; API.md has no null for it (the other settings take null as absent).
        switch fields.members["startFrom"] {
        case nil: break
        case .string("start"): settings.startFrom = .start
        case .string("end"): settings.startFrom = .end
        case .integer(let position) where position >= 0: settings.startFrom = .position(UInt64(position))
        default: fields.fail("startFrom", "must be \"start\", \"end\" or a position ≥ 0")
        }
        settings.ackTimeoutSeconds = fields.integer("ackTimeoutSeconds", required: false) ?? settings.ackTimeoutSeconds
        settings.maxDeliveries = fields.integer("maxDeliveries", required: false) ?? settings.maxDeliveries
        switch fields.members["push"] {
        case nil, .null: break
        case .object(let members):
            let url = text(members["url"], "push.url", &fields)
            let secret = text(members["secret"], "push.secret", &fields)
            for name in members.keys.sorted() where name != "url" && name != "secret" { fields.fail("push.\(name)", "unknown field") }
            if let url, let secret { settings.push = PushTarget(url: url, secret: secret) }
        default: fields.fail("push", "must be an object {url, secret} or null")
        }
        fields.add(GroupRules.issues(settings))
        return settings
    }

    /// An optional array of strings.
    static func strings(_ fields: inout JSONFields, _ name: String, required: Bool = false) -> [String]? {
        switch fields.members[name] {
        case nil, .null:
            if required { fields.fail(name, "is required") }
            return nil
        case .array(let items):
            var strings: [String] = []
            for (index, item) in items.enumerated() {
                guard case .string(let text) = item else {
                    fields.fail("\(name)[\(index)]", "must be a string")
                    continue
                }
                strings.append(text)
            }
            return strings
        default:
            fields.fail(name, "must be an array of strings")
            return nil
        }
    }

    private static func text(_ value: JSONValue?, _ name: String, _ fields: inout JSONFields) -> String? {
        guard case .string(let text) = value else {
            fields.fail(name, value == nil || value == .null ? "is required" : "must be a string")
            return nil
        }
        return text
    }
}
