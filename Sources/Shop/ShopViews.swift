import StrataKit

/// The views of the shop that caches keep, by the names the projections report changes under.
public enum ShopViews {
    /// A product's answer, by product id.
    public static let product: ViewName = "product"
    /// A user's answer, by user id.
    public static let user: ViewName = "user"
    /// Whether a user may act, by user id.
    public static let userStatus: ViewName = "userStatus"
    /// Whether a session is still open, by session id.
    public static let sessionStatus: ViewName = "sessionStatus"
    /// An order's answer, by order id.
    public static let order: ViewName = "order"
    /// An order's owner (which never changes), by order id.
    public static let orderOwner: ViewName = "orderOwner"
    /// The sales statistics (key `all`).
    public static let sales: ViewName = "sales"
}
