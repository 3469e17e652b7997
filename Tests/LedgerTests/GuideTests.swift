import Foundation
import Testing

/// The guide "Your domain on Strata" quotes the ledger's code: every Swift block in it must be
/// found, line for line, in the ledger's sources, so the guide cannot drift from code that builds.
@Suite struct GuideTests {
    @Test func everyBlockOfTheGuideIsInTheLedgersSources() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let guide = try String(contentsOf: root.appendingPathComponent("Sources/StrataKit/StrataKit.docc/YourDomainOnStrata.md"), encoding: .utf8)
        var sources = ""
        for folder in ["Sources/Ledger", "Sources/LedgerAPI", "Sources/ledger-server"] {
            let directory = root.appendingPathComponent(folder)
            for file in try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() where file.hasSuffix(".swift") {
                sources += try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8) + "\n"
            }
        }
        let blocks = guide.components(separatedBy: "```swift\n").dropFirst().map { $0.components(separatedBy: "```")[0] }
        #expect(blocks.count >= 6)
        for block in blocks {
            #expect(sources.contains(block), "not in the ledger's sources:\n\(block)")
        }
    }
}
