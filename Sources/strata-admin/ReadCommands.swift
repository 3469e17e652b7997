import ArgumentParser
import Foundation
import StrataKit
import StrataLog
import StrataStore
import StrataTools

struct Stats: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Events, streams, positions, snapshots, file size, and each projection's position, lag and parked events."
    )
    @OptionGroup var options: CommonOptions

    func run() async throws {
        await reporting {
            let log = try options.directory.openReadOnly()
            defer { log.close() }
            let report = try AdminReports.stats(log)
            if options.json { return print(try AdminReports.json(report)) }
            var store = TextTable(headers: ["EVENTS", "STREAMS", "HEAD", "SNAPSHOTS", "FILE BYTES", "USED BYTES"], rightAligned: [0, 1, 2, 3, 4, 5])
            store.add(
                [
                    report.store.events, report.store.streams, Int(report.store.headPosition), report.snapshots, report.store.fileSize,
                    report.store.usedBytes,
                ].map(
                    String.init
                )
            )
            print(store.rendered)
            print("")
            var projections = TextTable(
                headers: ["PROJECTION", "VERSION", "MODE", "POSITION", "LAG", "STATUS", "PARKED"],
                rightAligned: [1, 3, 4, 6]
            )
            for status in report.projections {
                projections.add([
                    status.name, String(status.version), status.mode.rawValue, String(status.position), String(status.lag), status.status,
                    String(status.parked),
                ])
            }
            print(projections.rendered)
        }
    }
}

struct Streams: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Streams and their versions, in id order.")
    @OptionGroup var options: CommonOptions
    @Option(help: "Only streams whose id starts with this.") var prefix = ""
    @Option(help: "At most this many.") var limit = 100

    func run() async throws {
        await reporting {
            let log = try options.directory.openReadOnly()
            defer { log.close() }
            let streams = try log.withSnapshot { try $0.streams(prefix: prefix, limit: limit) }
            struct Row: Codable {
                var streamId: String
                var version: UInt64
            }
            if options.json { return print(try AdminReports.json(streams.map { Row(streamId: $0.streamId, version: $0.version) })) }
            var table = TextTable(headers: ["STREAM", "VERSION"], rightAligned: [1])
            for stream in streams { table.add([stream.streamId, String(stream.version)]) }
            print(table.rendered)
        }
    }
}

struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Events in log order, optionally of one stream or type.")
    @OptionGroup var options: CommonOptions
    @Option(help: "Only events after this position.") var after: UInt64 = 0
    @Option(help: "At most this many.") var limit = 50
    @Option(help: "Only this stream's events.") var stream: String?
    @Option(help: "Only events of this type.") var type: String?

    func run() async throws {
        await reporting {
            let log = try options.directory.openReadOnly()
            defer { log.close() }
            let events = try AdminReports.events(log, after: after, limit: limit, stream: stream, type: type)
            if options.json { return print(try AdminReports.json(try events.map(EventSummary.init))) }
            print(AdminReports.table(events))
        }
    }
}

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "One event, in full.")
    @OptionGroup var options: CommonOptions
    @Argument(help: "The event's position.") var position: UInt64

    func run() async throws {
        await reporting {
            let log = try options.directory.openReadOnly()
            defer { log.close() }
            guard let event = try log.event(at: position) else { fail("no event at position \(position)") }
            let summary = try EventSummary(event)
            if options.json { return print(try AdminReports.json(summary)) }
            print("position:    \(summary.position)\nstream:      \(summary.streamId) @ \(summary.version)\ntype:        \(summary.type)")
            print("id:          \(event.id.uuidString.lowercased())\nrecorded at: \(summary.recordedAt)")
            print("metadata:    \(try AdminReports.json(summary.metadata))\ndata:        \(try AdminReports.json(summary.data))")
        }
    }
}

struct Tail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The last events; with --follow, new ones as they are appended.")
    @OptionGroup var options: CommonOptions
    @Option(help: "How many of the last events to show first.") var lines = 10
    @Flag(help: "Keep following new events beside a running server.") var follow = false

    func run() async throws {
        await reporting {
            let log = try options.directory.openReadOnly()
            defer { log.close() }
            let head = try log.headPosition()
            var shown = head > UInt64(lines) ? head - UInt64(lines) : 0
            func emit(_ events: [RecordedEvent]) throws {
                for event in events {
                    if options.json {
                        print(try AdminReports.json(try EventSummary(event)))
                    } else {
                        print(
                            "\(event.position)  \(MicrosecondTimestamp.format(event.recordedAtMicroseconds))  \(event.streamId)@\(event.streamVersion)  \(event.type)"
                        )
                    }
                    shown = event.position
                }
                fflush(nil)
            }
            try emit(try log.readAll(after: shown, limit: lines))
            guard follow else { return }
            for await newHead in log.headPositions() where newHead > shown {
                while shown < newHead { try emit(try log.readAll(after: shown, limit: 1000)) }
            }
        }
    }
}

struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check checksums, gapless positions and indexes; exit 1 on any fault, naming each.")
    @OptionGroup var options: CommonOptions

    func run() async throws {
        await reporting {
            let log = try options.directory.openReadOnly()
            defer { log.close() }
            let report = try log.verify()
            if options.json {
                print(try AdminReports.json(report))
            } else {
                for fault in report.faults { print("fault: \(fault)") }
                if report.faultCount > report.faults.count { print("… and \(report.faultCount - report.faults.count) more faults") }
                print(
                    "\(report.eventsChecked) events, \(report.streamsChecked) streams checked: \(report.isClean ? "ok" : "\(report.faultCount) faults")"
                )
            }
            if !report.isClean { throw ExitCode(1) }
        }
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Every event as JSON Lines, in position order.")
    @OptionGroup var options: CommonOptions
    @Option(help: "Write here instead of standard output.") var output: String?

    func run() async throws {
        await reporting {
            let log = try options.directory.openReadOnly()
            defer { log.close() }
            if let output {
                guard FileManager.default.createFile(atPath: output, contents: nil), let handle = FileHandle(forWritingAtPath: output) else {
                    fail("cannot write \(output)")
                }
                defer { try? handle.close() }
                let count = try Exporter.export(log, to: handle)
                FileHandle.standardError.write(Data("exported \(count) events to \(output)\n".utf8))
            } else {
                try Exporter.export(log, to: FileHandle.standardOutput)
            }
        }
    }
}
