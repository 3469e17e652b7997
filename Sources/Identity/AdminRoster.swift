import StrataKit

/// The active admins, as one aggregate (stream `roster-admins`): every change of who is an active
/// admin appends to it, so two requests that would each remove one of the last two admins
/// conflict on its version, and the second is decided again — and refused.
public struct AdminRoster: Aggregate, Hashable {
    public static let category = "roster"
    /// The one roster's id.
    public static let id = "admins"
    /// Whether the roster has been started (stores older than it start it from the users' read model).
    public var started = false
    public var admins: Set<String> = []

    public init() {}

    public mutating func apply(_ event: any Event) {
        switch event {
        case let event as AdminRosterStarted:
            started = true
            admins = Set(event.admins)
        case let event as AdminJoined:
            started = true
            admins.insert(event.userId)
        case let event as AdminLeft:
            admins.remove(event.userId)
        default:
            break
        }
    }

    /// Starts the roster with `existing` (the active admins the read model knows) when it has not
    /// been started; nothing otherwise.
    public func start(with existing: [String]) -> [any Event] {
        started ? [] : [AdminRosterStarted(admins: existing.sorted())]
    }

    /// `userId` becomes an active admin.
    public func join(_ userId: String) -> [any Event] {
        admins.contains(userId) ? [] : [AdminJoined(userId: userId)]
    }

    /// `userId` stops being an active admin; refused when no other active admin would remain.
    public func leave(_ userId: String) throws(IdentityError) -> [any Event] {
        guard admins.contains(userId) else { return [] }
        guard admins.count > 1 else { throw .lastAdmin }
        return [AdminLeft(userId: userId)]
    }
}

/// The roster of active admins was started (with the admins there were).
public struct AdminRosterStarted: Event, Hashable {
    public static let eventType = "AdminRosterStarted"
    public var admins: [String]

    public init(admins: [String]) {
        self.admins = admins
    }
}

/// A user became an active admin.
public struct AdminJoined: Event, Hashable {
    public static let eventType = "AdminJoined"
    public var userId: String

    public init(userId: String) {
        self.userId = userId
    }
}

/// An admin stopped being active (deactivated or erased).
public struct AdminLeft: Event, Hashable {
    public static let eventType = "AdminLeft"
    public var userId: String

    public init(userId: String) {
        self.userId = userId
    }
}
