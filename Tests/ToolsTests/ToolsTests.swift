import Foundation
import HummingbirdBcrypt
import Identity
import Shop
import ShopTestSupport
import StrataKit
import StrataLog
import StrataStore
import StrataTools
import StrataTestSupport
import Testing

@Suite(.serialized) struct AdminToolTests {
    @Test func exportImportExportGivesIdenticalFiles() async throws {
        let scratch = TemporaryDirectory()
        defer { scratch.remove() }
        try await populate(scratch.sub("data"))
        let first = try runTool("strata-admin", ["export", "--data-dir", scratch.sub("data"), "--output", scratch.sub("one.jsonl")])
        #expect(first.status == 0, "\(first.errors)")
        let imported = try runTool("strata-admin", ["import", "--data-dir", scratch.sub("copy"), scratch.sub("one.jsonl")])
        #expect(imported.status == 0, "\(imported.errors)")
        #expect(imported.output.contains("imported"))
        _ = try runTool("strata-admin", ["export", "--data-dir", scratch.sub("copy"), "--output", scratch.sub("two.jsonl")])
        let one = try Data(contentsOf: URL(fileURLWithPath: scratch.sub("one.jsonl")))
        let two = try Data(contentsOf: URL(fileURLWithPath: scratch.sub("two.jsonl")))
        #expect(!one.isEmpty && one == two)
        #expect(try runTool("strata-admin", ["verify", "--data-dir", scratch.sub("copy")]).status == 0)
        // The contract's order: the data directory before the subcommand.
        #expect(try runTool("strata-admin", ["--data-dir", scratch.sub("copy"), "verify"]).status == 0)
        #expect(try runTool("strata-admin", ["--data-dir", scratch.sub("copy"), "--json", "stats"]).output.hasPrefix("{"))
        // Standard output by default, one event per line.
        let piped = try runTool("strata-admin", ["export", "--data-dir", scratch.sub("data")])
        #expect(Data(piped.output.utf8) == one)
        #expect(piped.output.split(separator: "\n").count == (try EventLog.openReadOnly(directory: scratch.sub("copy")).headPosition()).asInt)
    }

    @Test func aBadImportLineIsNamedAndLeavesNothingBehind() async throws {
        let scratch = TemporaryDirectory()
        defer { scratch.remove() }
        try await populate(scratch.sub("data"))
        _ = try runTool("strata-admin", ["export", "--data-dir", scratch.sub("data"), "--output", scratch.sub("all.jsonl")])
        var lines = try String(contentsOfFile: scratch.sub("all.jsonl"), encoding: .utf8).split(separator: "\n").map(String.init)
        lines[2] = lines[2].replacingOccurrences(of: "\"version\":", with: "\"version\":9")
        try (lines.joined(separator: "\n") + "\n").write(toFile: scratch.sub("bad.jsonl"), atomically: true, encoding: .utf8)
        let run = try runTool("strata-admin", ["import", "--data-dir", scratch.sub("target"), scratch.sub("bad.jsonl")])
        #expect(run.status == 1)
        #expect(run.errors.hasPrefix("strata-admin: line 3:"), "\(run.errors)")
        #expect(run.errors.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: scratch.sub("target")))
        // Malformed JSON too.
        lines[2] = "{not json"
        try (lines.joined(separator: "\n") + "\n").write(toFile: scratch.sub("bad.jsonl"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: scratch.sub("existing"), withIntermediateDirectories: true)
        let again = try runTool("strata-admin", ["import", "--data-dir", scratch.sub("existing"), scratch.sub("bad.jsonl")])
        #expect(again.status == 1 && again.errors.contains("line 3"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.sub("existing")).isEmpty)
        // Into a directory that holds a store: refused.
        let occupied = try runTool("strata-admin", ["import", "--data-dir", scratch.sub("data"), scratch.sub("all.jsonl")])
        #expect(occupied.status == 1 && occupied.errors.contains("already holds a store"))
    }

    @Test func verifyPassesOnAGoodStoreAndNamesTheCorruptRecord() async throws {
        let scratch = TemporaryDirectory()
        defer { scratch.remove() }
        try await populate(scratch.sub("data"))
        let good = try runTool("strata-admin", ["verify", "--data-dir", scratch.sub("data")])
        #expect(good.status == 0 && good.output.contains(": ok"), "\(good.output)\(good.errors)")
        // Corrupt a copy: flip a byte inside the records of one product's sku.
        try FileManager.default.createDirectory(atPath: scratch.sub("bad"), withIntermediateDirectories: true)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: scratch.sub("data/data.mdb"))))
        let needle = Array("Thing 5".utf8)
        var flipped = 0
        for index in bytes.indices where bytes[index...].starts(with: needle) {
            bytes[index] ^= 0x20
            flipped += 1
        }
        #expect(flipped > 0)
        try Data(bytes).write(to: URL(fileURLWithPath: scratch.sub("bad/data.mdb")))
        let bad = try runTool("strata-admin", ["verify", "--data-dir", scratch.sub("bad")])
        #expect(bad.status == 1)
        #expect(bad.output.contains("checksum mismatch"), "\(bad.output)")
        let created = try #require(try EventLog.openReadOnly(directory: scratch.sub("data")).readStream("product-p5").first).position
        let position = try #require(bad.output.split(separator: "\n").first { $0.hasPrefix("fault: position") })
        #expect(position.contains("position \(created):"))
        let json = try runTool("strata-admin", ["verify", "--json", "--data-dir", scratch.sub("bad")])
        let report = try JSONDecoder().decode(VerificationReport.self, from: Data(json.output.utf8))
        #expect(report.faults.first?.position == created)
    }

    @Test func backupBesideAnAppendingWriterVerifies() async throws {
        let scratch = TemporaryDirectory()
        defer { scratch.remove() }
        let writer = Process()
        writer.executableURL = builtProductsDirectory().appendingPathComponent("strata-log-torture")
        writer.arguments = [scratch.sub("live"), "4"]
        writer.standardOutput = FileHandle.nullDevice
        try writer.run()
        defer {
            writer.terminate()
            writer.waitUntilExit()
        }
        while (try? EventLog.openReadOnly(directory: scratch.sub("live")).headPosition()) ?? 0 < 200 { try await Task.sleep(for: .milliseconds(20)) }
        let backup = try runTool("strata-admin", ["backup", "--data-dir", scratch.sub("live"), scratch.sub("backup")])
        #expect(backup.status == 0, "\(backup.errors)")
        #expect(writer.isRunning)
        let verify = try runTool("strata-admin", ["verify", "--data-dir", scratch.sub("backup")])
        #expect(verify.status == 0, "\(verify.output)")
        #expect(try EventLog.openReadOnly(directory: scratch.sub("backup")).headPosition() >= 200)
        let again = try runTool("strata-admin", ["backup", "--data-dir", scratch.sub("live"), scratch.sub("backup")])
        #expect(again.status == 1 && again.errors.contains("not empty"))
    }

    @Test func reportsAreTablesForPeopleAndJSONForMachines() async throws {
        let scratch = TemporaryDirectory()
        defer { scratch.remove() }
        try await populate(scratch.sub("data"))
        let data = ["--data-dir", scratch.sub("data")]
        let stats = try runTool("strata-admin", ["stats"] + data)
        #expect(stats.status == 0 && stats.output.contains("PROJECTION") && stats.output.contains("sales"), "\(stats.errors)")
        let report = try JSONDecoder().decode(StoreReport.self, from: Data(try runTool("strata-admin", ["stats", "--json"] + data).output.utf8))
        #expect(report.projections.map(\.name) == ["users", "sessions", "products", "orders", "sales", "correlations"])
        #expect(report.projections.allSatisfy { $0.lag == 0 })
        let streams = try runTool("strata-admin", ["streams", "--prefix", "product-", "--json"] + data)
        #expect(streams.output.contains("product-p7"))
        let events = try runTool("strata-admin", ["events", "--type", "OrderPaid", "--limit", "3"] + data)
        #expect(events.output.split(separator: "\n").count == 5)
        let registered = try #require(try EventLog.openReadOnly(directory: scratch.sub("data")).readByType("UserRegistered").first).position
        let show = try runTool("strata-admin", ["show", String(registered), "--json"] + data)
        #expect(show.output.contains("\"type\":\"UserRegistered\""))
        // Personal data stays sealed in what the admin sees.
        #expect(!show.output.contains("user0@example.com"))
        let tail = try runTool("strata-admin", ["tail", "--lines", "2"] + data)
        #expect(tail.output.split(separator: "\n").count == 2)
        let missing = try runTool("strata-admin", ["show", "99999"] + data)
        #expect(missing.status == 1 && missing.errors.contains("no event at position 99999"))
    }

    @Test func usersCreateReadsThePasswordFromStandardInput() async throws {
        let scratch = TemporaryDirectory()
        defer { scratch.remove() }
        let run = try runTool(
            "strata-admin",
            [
                "users", "create", "--data-dir", scratch.sub("data"), "--email", "Root@Example.com", "--name", "Root", "--role", "admin",
                "--bcrypt-cost", "4",
            ],
            input: "correct horse battery\n"
        )
        #expect(run.status == 0, "\(run.errors)")
        #expect(run.output.hasPrefix("created admin "))
        let short = try runTool(
            "strata-admin",
            ["users", "create", "--data-dir", scratch.sub("data"), "--email", "x@example.com", "--name", "X"],
            input: "short\n"
        )
        #expect(short.status == 1 && short.errors.contains("8–128"))
        let log = try EventLog.open(directory: scratch.sub("data"))
        let keys = try KeyStore(directory: scratch.sub("data/keys"))
        let services = try await ShopServices.start(log: log, keys: keys)
        let shop = services.users
        let id = try #require(try shop.userId(forEmail: "root@example.com"))
        #expect(try shop.user(id: id)?.record.role == .admin)
        #expect(Bcrypt.verify("correct horse battery", hash: try #require(try shop.passwordHash(userId: id))))
        await services.stop()
        log.close()
        keys.close()
    }
}

@Suite(.serialized) struct ReplayToolTests {
    @Test func replayAfterDeletingAReadModelRestoresItByteForByte() async throws {
        let scratch = TemporaryDirectory()
        defer { scratch.remove() }
        try await populate(scratch.sub("data"))
        let before: [String: [String: [[UInt8]: [UInt8]]]]
        do {
            let log = try EventLog.open(directory: scratch.sub("data"))
            let keys = try KeyStore(directory: scratch.sub("data/keys"))
            let runner = try StoreLocation.app(log: log, keys: keys, hasher: try await UniqueValueHasher.open(in: log), modules: ShopServices.modules).runner
            try await runner.prepare()
            before = try Dictionary(uniqueKeysWithValues: ["products", "orders", "sales"].map { ($0, try runner.rows(of: $0)) })
            // Delete the products read model.
            let tables = try log.tableNames().filter { $0.hasPrefix("rm.products.") }
            #expect(!tables.isEmpty)
            _ = try await log.write { transaction in
                for name in tables { try transaction.clear(try transaction.table(named: name)) }
            }
            #expect(try runner.rows(of: "products").values.allSatisfy(\.isEmpty))
            log.close()
            keys.close()
        }
        let dryRun = try runTool("strata-replay", ["--data-dir", scratch.sub("data"), "--all", "--dry-run"])
        #expect(dryRun.status == 1)
        #expect(dryRun.output.contains("differs: byId, bySku"), "\(dryRun.output)")
        let replay = try runTool("strata-replay", ["--data-dir", scratch.sub("data"), "--projection", "products"])
        #expect(replay.status == 0, "\(replay.errors)")
        #expect(replay.errors.contains("products"))
        let all = try runTool("strata-replay", ["--data-dir", scratch.sub("data"), "--all"])
        #expect(all.status == 0, "\(all.errors)")
        let log = try EventLog.open(directory: scratch.sub("data"))
        let keys = try KeyStore(directory: scratch.sub("data/keys"))
        let runner = try StoreLocation.app(log: log, keys: keys, hasher: try await UniqueValueHasher.open(in: log), modules: ShopServices.modules).runner
        try await runner.prepare()
        for name in ["products", "orders", "sales"] { #expect(try runner.rows(of: name) == before[name], "\(name)") }
        log.close()
        keys.close()
        let check = try runTool("strata-replay", ["--data-dir", scratch.sub("data"), "--all", "--dry-run"])
        #expect(check.status == 0 && !check.output.contains("differs"), "\(check.output)")
    }

    @Test func replayRefusesWhileTheDirectoryIsHeld() async throws {
        let scratch = TemporaryDirectory()
        defer { scratch.remove() }
        try await populate(scratch.sub("data"))
        let holder = try EventLog.open(directory: scratch.sub("data"))
        defer { holder.close() }
        let run = try runTool("strata-replay", ["--data-dir", scratch.sub("data"), "--all"])
        #expect(run.status == 1)
        #expect(run.errors.split(separator: "\n").count == 1)
        #expect(run.errors.contains("in use by process \(ProcessInfo.processInfo.processIdentifier)"), "\(run.errors)")
        let usage = try runTool("strata-replay", ["--data-dir", scratch.sub("data")])
        #expect(usage.status != 0 && usage.errors.contains("--all"))
    }
}

extension UInt64 {
    var asInt: Int { Int(self) }
}

@Suite struct ErasureExportTests {
    @Test func anExportAfterErasureHoldsNothingReadableOfTheUser() async throws {
        let scratch = TemporaryDirectory()
        defer { scratch.remove() }
        try await populate(scratch.sub("data"))
        do {
            let log = try EventLog.open(directory: scratch.sub("data"))
            let keys = try KeyStore(directory: scratch.sub("data/keys"))
            let services = try await ShopServices.start(log: log, keys: keys)
            _ = try await services.users.eraseUser(id: "u0", metadata: meta)
            await services.stop()
            log.close()
            keys.close()
        }
        let export = try runTool("strata-admin", ["export", "--data-dir", scratch.sub("data")])
        #expect(export.status == 0)
        #expect(!export.output.contains("User 0") && !export.output.contains("user0@example.com"))
        // Sealed fields of the erased user open to nothing; another user's still open.
        let keys = try KeyStore(directory: scratch.sub("data/keys"))
        defer { keys.close() }
        let registry = try StrataApp.registry(of: ShopServices.modules, cipher: AESGCMCipher(keys: keys))
        var names: [String: String?] = [:]
        for line in export.output.split(separator: "\n") {
            let event = try ExportLine.parse(Array(line.utf8)).recorded()
            if let registered = try registry.decode(event).event as? UserRegistered { names[registered.userId] = registered.name.value }
        }
        #expect(names["u0"] == .some(nil))
        #expect(names["u1"] == .some("User 1"))
    }
}
