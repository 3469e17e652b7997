import StrataKit

/// The views of the shop that caches keep, by the names the projections report changes under.
public enum ShopViews {
    /// A product's answer, by product id.
    public static let product: ViewName = "product"
    /// An order's answer, by order id.
    public static let order: ViewName = "order"
    /// An order's owner (which never changes), by order id.
    public static let orderOwner: ViewName = "orderOwner"
    /// The sales statistics (key `all`).
    public static let sales: ViewName = "sales"
}
