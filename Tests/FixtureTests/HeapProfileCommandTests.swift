import Foundation
import Reports
import SwiftProtobuf
import XCTest

/// `coreinspect heap --profile` and `--sites` through the built binary: the
/// written file is a pprof heap profile whose samples are the program's own
/// MemProfile records, and `go tool pprof` reads it.
final class HeapProfileCommandTests: XCTestCase {
    /// Debian's golang-1.19-go, installed by Tools/setup: any release's pprof reads any profile.
    static let goTool = "/usr/lib/go-1.19/bin/go"

    private struct Truth: Decodable {
        var exe: String
        var memProfile: [MemoryProfileTests.Truth.Record]
        var memProfileRate: Int64
    }

    /// One core per release and flavour: DWARF gcores and stripped kernel cores.
    private func fixtures() -> [Fixture] {
        let chosen = MemoryProfileTests.goHeapFixtures().filter { $0.dump == "gcore" || $0.dump == "kernel-stripped" }
        XCTAssertGreaterThanOrEqual(chosen.count, 11)
        return chosen
    }

    func testWrittenProfileHoldsTheTruthsRecordsAndReadsBackInPprof() throws {
        let scratch = try Fixtures.scratchDirectory(for: self)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        for fixture in fixtures() {
            let truth = try fixture.truth(Truth.self)
            // Rate 1 in these programs: runtime/pprof leaves the values unscaled.
            XCTAssertEqual(truth.memProfileRate, 1, "\(fixture)")
            let path = scratch + "/\(fixture.name.replacingOccurrences(of: "/", with: "_"))-\(fixture.dump).pb.gz"
            let result = try Shell.coreinspect(["heap", try fixture.core(), "--exe", try fixture.executable(named: truth.exe),
                                                "--profile", path])
            XCTAssertEqual(result.status, 0, "\(fixture): \(result.stderr)")

            let bytes = try Gzip.decompress(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
            let profile = try Perftools_Profiles_Profile(serializedBytes: bytes)
            let strings = profile.stringTable
            XCTAssertEqual(profile.sampleType.map { strings[Int($0.type)] + "/" + strings[Int($0.unit)] },
                           ["alloc_objects/count", "alloc_space/bytes", "inuse_objects/count", "inuse_space/bytes"], "\(fixture)")
            XCTAssertEqual(strings[Int(profile.periodType.type)] + "/" + strings[Int(profile.periodType.unit)], "space/bytes")
            XCTAssertEqual(profile.period, truth.memProfileRate, "\(fixture)")
            XCTAssertEqual(profile.sample.count, truth.memProfile.count, "\(fixture): one sample per record")
            for (index, (sample, record)) in zip(profile.sample, truth.memProfile).enumerated() {
                XCTAssertEqual(sample.value, [record.allocObjects, record.allocBytes, record.allocObjects - record.freeObjects,
                                              record.allocBytes - record.freeBytes], "\(fixture) sample \(index)")
                XCTAssertFalse(sample.locationID.isEmpty, "\(fixture) sample \(index) has a stack")
            }
            let locationIDs = Set(profile.location.map(\.id))
            XCTAssertTrue(profile.sample.allSatisfy { $0.locationID.allSatisfy(locationIDs.contains) }, "\(fixture): locations resolve")
            XCTAssertTrue(profile.location.allSatisfy { !$0.line.isEmpty }, "\(fixture): every location is symbolized")

            try checkPprofReads(path, truth: truth, fixture: fixture)
        }
    }

    /// `go tool pprof -raw` prints one "alloc_objects alloc_space inuse_objects inuse_space: locations" line
    /// per sample, after merging samples whose stacks and labels became equal (stacks that differed only in
    /// the runtime frames pprof hides): so the sums over its samples are compared, not their number.
    private func checkPprofReads(_ path: String, truth: Truth, fixture: Fixture) throws {
        let raw = try Shell.run(Self.goTool, ["tool", "pprof", "-raw", path])
        XCTAssertEqual(raw.status, 0, "\(fixture): go tool pprof -raw: \(raw.stderr)")
        let lines = raw.stdout.split(separator: "\n")
        let samples = lines.drop { !$0.hasPrefix("Samples:") }.dropFirst(2).prefix { !$0.hasPrefix("Locations") }
            .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("bytes:") }
            .map { $0.split(separator: ":")[0].split(separator: " ").compactMap { Int64($0) } }
        XCTAssertTrue(samples.allSatisfy { $0.count == 4 }, "\(fixture): four values per sample")
        XCTAssertLessThanOrEqual(samples.count, truth.memProfile.count, "\(fixture)")
        let sums = (0..<4).map { column in samples.reduce(0) { $0 + $1[column] } }
        let records = truth.memProfile
        XCTAssertEqual(sums, [records.reduce(0) { $0 + $1.allocObjects }, records.reduce(0) { $0 + $1.allocBytes },
                              records.reduce(0) { $0 + $1.allocObjects - $1.freeObjects },
                              records.reduce(0) { $0 + $1.allocBytes - $1.freeBytes }], "\(fixture): totals pprof read")
    }

    func testSitesJSONTotalsEqualTheTruthsRecords() throws {
        struct Document: Decodable {
            struct Site: Decodable { var function: String; var inUseBytes: Int64; var inUseObjects: Int64; var allocBytes: Int64; var records: Int }
            struct Result: Decodable { var rate: Int64?; var records: Int; var sites: [Site]; var otherSites: Int; var totals: Site }
            var result: Result
        }
        for fixture in fixtures() {
            let truth = try fixture.truth(Truth.self)
            let result = try Shell.coreinspect(["heap", try fixture.core(), "--exe", try fixture.executable(named: truth.exe),
                                                "--sites", "--top", "10000", "--json"])
            XCTAssertEqual(result.status, 0, "\(fixture): \(result.stderr)")
            let document = try JSONDecoder().decode(Document.self, from: Data(result.stdout.utf8)).result
            XCTAssertEqual(document.rate, truth.memProfileRate)
            XCTAssertEqual(document.records, truth.memProfile.count, "\(fixture)")
            XCTAssertEqual(document.otherSites, 0)
            XCTAssertEqual(document.sites.reduce(0) { $0 + $1.records }, truth.memProfile.count, "\(fixture): every record in a site")
            XCTAssertEqual(document.totals.inUseBytes, truth.memProfile.reduce(0) { $0 + $1.allocBytes - $1.freeBytes }, "\(fixture)")
            XCTAssertEqual(document.totals.allocBytes, truth.memProfile.reduce(0) { $0 + $1.allocBytes }, "\(fixture)")
            XCTAssertEqual(document.sites.map(\.inUseBytes), document.sites.map(\.inUseBytes).sorted(by: >), "\(fixture): largest first")
            // The program's sessions are its own allocation site, never a runtime frame.
            XCTAssertTrue(document.sites.contains { $0.function == "main.newSession" }, "\(fixture)")
            XCTAssertFalse(document.sites.prefix(5).contains { $0.function.hasPrefix("runtime.") }, "\(fixture)")
        }
    }

    /// A destination that cannot be written is a usage error (64), found before the core is read.
    func testUnwritableDestinationIsAUsageError() throws {
        let fixture = try XCTUnwrap(fixtures().first)
        let truth = try fixture.truth(Truth.self)
        for option in ["--profile", "--profile-retained"] {
            let result = try Shell.coreinspect(["heap", try fixture.core(), "--exe", try fixture.executable(named: truth.exe),
                                                option, "/nonexistent-directory/heap.pb.gz"])
            XCTAssertEqual(result.status, 64, "\(option): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("\(option): cannot write into the directory of /nonexistent-directory/heap.pb.gz"),
                          result.stderr)
        }
    }
}
