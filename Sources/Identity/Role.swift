import StrataKit
/// What a signed-in user may do: customers shop, admins also run the catalog and see everything,
/// and services (other systems following the log) may only use consumer groups.
public enum Role: String, Codable, Sendable, Hashable, CaseIterable {
    case customer
    case admin
    case service
}
