import Synchronization
import Tracing

/// The spans of a traced command's work on the writer thread — a decision made there, each
/// inline projection — kept as names and instants while the writer runs them, and made into
/// spans under the commit's afterwards, on the caller's task.
///
/// The writer thread has no task to carry a trace context, and it is the one serial part of the
/// write path: starting and ending spans there (a lock, a dictionary, two wake-ups of the tracer's
/// task each) cost it ~20 µs per order in a profile of the order load. Reading the clock twice
/// costs nothing worth measuring.
final class WriterSpans: Sendable {
    /// One piece of work the writer ran.
    private struct Recorded: Sendable {
        var name: String
        var start: DefaultTracerClock.Instant
        var end: DefaultTracerClock.Instant
        var attributes: SpanAttributes
        var error: (any Error)?
    }

    private let recorded = Mutex<[Recorded]>([])

    /// Records that `name` ran from `start` until now, with `attributes` and, if it threw, the
    /// error; a `nil` start (the work never began) records nothing.
    func record(_ name: String, since start: DefaultTracerClock.Instant?, attributes: SpanAttributes = [:], error: (any Error)? = nil) {
        guard let start else { return }
        let entry = Recorded(name: name, start: start, end: DefaultTracerClock.now, attributes: attributes, error: error)
        recorded.withLock { $0.append(entry) }
    }

    /// Runs `body` and records it as `name` in `spans`, or just runs it when there are none (the
    /// commit is not traced).
    static func measure<T>(_ name: String, in spans: WriterSpans?, _ body: () throws -> T) rethrows -> T {
        guard let spans else { return try body() }
        let start = DefaultTracerClock.now
        do {
            let value = try body()
            spans.record(name, since: start)
            return value
        } catch {
            spans.record(name, since: start, error: error)
            throw error
        }
    }

    /// Makes a span of each recorded piece of work under `parent` (the commit span's context),
    /// with the instants the writer read.
    func emit(under parent: ServiceContext) {
        for entry in recorded.withLock({ $0 }) {
            let span = startSpan(entry.name, at: entry.start, context: parent)
            span.attributes = entry.attributes
            if let error = entry.error {
                span.recordError(error)
                span.setStatus(SpanStatus(code: .error, message: "\(error)"))
            }
            span.end(at: entry.end)
        }
    }
}
