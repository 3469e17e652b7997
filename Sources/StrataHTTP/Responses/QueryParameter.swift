import Hummingbird

/// Query parameters read strictly: a value that is not a number, or out of its range, is 400
/// `invalid_parameter`, never clamped.
public enum QueryParameter {
    /// `name` as an integer in `range`, or `fallback` when absent.
    public static func integer(_ request: Request, _ name: String, in range: ClosedRange<Int>, default fallback: Int) throws -> Int {
        guard let text = request.uri.queryParameters.get(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw Problem.invalidParameter(name, "must be an integer \(range.lowerBound)–\(range.upperBound)")
        }
        return value
    }

    /// `name` as a log position or stream version (0 … Int64.max), or `nil` when absent.
    public static func position(_ request: Request, _ name: String) throws -> UInt64? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        guard let value = UInt64(text), value <= UInt64(Int64.max) else { throw Problem.invalidParameter(name, "must be an integer ≥ 0") }
        return value
    }
}
