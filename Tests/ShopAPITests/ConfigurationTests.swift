import Foundation
import Identity
import IdentityAPI
import ShopAPI
import ShopTestSupport
import StrataServer
import StrataHTTP
import StrataTestSupport
import Testing

/// The server's configuration: signing keys, the push window.
@Suite struct ConfigurationTests {
    let secret = String(repeating: "s", count: 32)

    @Test func aLoneSecretIsTheKeyStrata() throws {
        let configuration = try ServerConfiguration(environment: ["STRATA_JWT_SECRET": secret])
        #expect(try configuration.signingKeys { "unused" } == [SigningKey(id: "strata", secret: secret)])
        #expect(try ServerConfiguration(environment: [:]).signingKeys { secret } == [SigningKey(id: "strata", secret: secret)])
    }

    @Test func keyListsComeFromAVariableOrAFile() throws {
        let fromVariable = try ServerConfiguration(environment: ["STRATA_JWT_KEYS": "new:\(secret)x,strata:\(secret)"])
        #expect(try fromVariable.signingKeys { "unused" }.map(\.id) == ["new", "strata"])
        let directory = TemporaryDirectory("config")
        defer { directory.remove() }
        try "# rotated 2026-11-25\nnew \(secret)x\nstrata \(secret)\n".write(toFile: directory.sub("keys"), atomically: true, encoding: .utf8)
        let fromFile = try ServerConfiguration(environment: ["STRATA_JWT_KEYS_FILE": directory.sub("keys")])
        #expect(try fromFile.signingKeys { "unused" }.map(\.id) == ["new", "strata"])
        // Both ways at once is refused; so is a file that cannot be read, naming it.
        let both = try ServerConfiguration(environment: ["STRATA_JWT_KEYS": "a:\(secret)", "STRATA_JWT_SECRET": secret])
        #expect(throws: ConfigurationError.self) { _ = try both.signingKeys { "unused" } }
        let missing = #expect(throws: ConfigurationError.self) {
            _ = try ServerConfiguration(environment: ["STRATA_JWT_KEYS_FILE": directory.sub("nope")])
        }
        #expect(missing?.description.contains(directory.sub("nope")) == true)
        let malformed = #expect(throws: ConfigurationError.self) { _ = try ServerConfiguration(environment: ["STRATA_JWT_KEYS": "justanid"]) }
        #expect(malformed?.description.contains("STRATA_JWT_KEYS") == true)
    }

    @Test func thePushWindowIsSixtyFourUnlessSet() throws {
        #expect(try ServerConfiguration(environment: [:]).pushInFlight == 64)
        #expect(try ServerConfiguration(environment: ["STRATA_PUSH_IN_FLIGHT": "8"]).pushInFlight == 8)
        let outside = #expect(throws: ConfigurationError.self) { _ = try ServerConfiguration(environment: ["STRATA_PUSH_IN_FLIGHT": "0"]) }
        #expect(outside?.description.contains("STRATA_PUSH_IN_FLIGHT") == true)
    }
}
