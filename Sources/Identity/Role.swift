import StrataKit
/// What a signed-in user may do: customers shop, admins also run the catalog and see everything.
public enum Role: String, Codable, Sendable, Hashable, CaseIterable {
    case customer
    case admin
}
