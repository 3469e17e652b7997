import Logging
import StrataHTTP
import Synchronization
import Testing

/// The server's log lines are swift-log's `StreamLogHandler` lines, byte for byte but for the
/// moment they were written, whatever the metadata.
@Suite struct LineLogHandlerTests {
    final class Lines: TextOutputStream, @unchecked Sendable {
        // Only the test's own thread writes.
        var text = ""
        func write(_ string: String) { text += string }
    }

    @Test func linesAreStreamLogHandlersLines() {
        let ours = Mutex<[String]>([])
        let theirs = Lines()
        var line = Logger(label: "strata") { label in LineLogHandler(label: label, level: .debug) { text in ours.withLock { $0.append(text) } } }
        var stream = Logger(label: "strata") { label in
            var handler = StreamLogHandler(label: label, stream: theirs, metadataProvider: nil)
            handler.logLevel = .debug
            return handler
        }
        line[metadataKey: "hb.request.id"] = "r-1"
        stream[metadataKey: "hb.request.id"] = "r-1"
        struct Failure: Error {}
        for logger in [line, stream] {
            logger.info("request", metadata: ["http.status": "200", "a.b": .stringConvertible(3)])
            logger.debug("plain")
            logger.trace("not written")
            logger.error("failed", error: Failure())
            logger.notice("with list", metadata: ["list": ["x", "y"], "map": ["k": "v"]])
        }
        let strip = { (text: String) in text.split(separator: " ", maxSplits: 1).last.map(String.init) ?? "" }
        let expected = theirs.text.split(separator: "\n").map { strip(String($0)) + "\n" }
        #expect(ours.withLock { $0 }.map { strip($0) } == expected)
        #expect(ours.withLock { $0 }.count == 4)
    }
}
