import Foundation
import Reports
import SwiftProtobuf
import XCTest

/// `coreinspect heap --profile-retained`: the dominator tree as a pprof profile. What each
/// global's stacks sum to is what the program counted that global holding alone, and all
/// stacks together are the live heap that `heap` reports.
final class HeapRetainedProfileTests: XCTestCase {
    private struct Truth: Decodable {
        struct Retained: Decodable { var root: String; var objects: Int64; var bytes: Int64 }
        struct Goroutine: Decodable { var function: String }
        var exe: String
        var retained: [Retained]
        var goroutineRoots: [Goroutine]
    }

    private struct HeapDocument: Decodable {
        struct Totals: Decodable { var liveObjects: Int64; var liveBytes: Int64 }
        struct Result: Decodable { var totals: Totals }
        var result: Result
    }

    func testStacksSumToEachGlobalsRetainedSizeAndToTheLiveHeap() throws {
        let fixtures = MemoryProfileTests.goHeapFixtures().filter { $0.dump == "gcore" || $0.dump == "kernel-stripped" }
        XCTAssertGreaterThanOrEqual(fixtures.count, 11)
        let scratch = try Fixtures.scratchDirectory(for: self)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        for fixture in fixtures {
            let truth = try fixture.truth(Truth.self)
            let core = try fixture.core(), exe = try fixture.executable(named: truth.exe)
            let path = scratch + "/\(fixture.name.replacingOccurrences(of: "/", with: "_"))-\(fixture.dump).pb.gz"
            let result = try Shell.coreinspect(["heap", core, "--exe", exe, "--profile-retained", path])
            XCTAssertTrue(result.status == 0 || result.status == 1, "\(fixture): \(result.stderr)")
            let profile = try Perftools_Profiles_Profile(serializedBytes: try Gzip.decompress(Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
            let strings = profile.stringTable
            XCTAssertEqual(profile.sampleType.map { strings[Int($0.type)] }, ["retained_objects", "retained_space"], "\(fixture)")
            let functionNames = Dictionary(uniqueKeysWithValues: profile.function.map { ($0.id, strings[Int($0.name)]) })
            let locationNames = Dictionary(uniqueKeysWithValues: profile.location.map { ($0.id, functionNames[$0.line[0].functionID] ?? "") })
            var byRoot: [String: (objects: Int64, bytes: Int64)] = [:]
            for sample in profile.sample {
                let root = locationNames[try XCTUnwrap(sample.locationID.last)] ?? ""
                byRoot[root, default: (0, 0)].objects += sample.value[0]
                byRoot[root, default: (0, 0)].bytes += sample.value[1]
            }

            let heap = try Shell.coreinspect(["heap", core, "--exe", exe, "--json"])
            let live = try JSONDecoder().decode(HeapDocument.self, from: Data(heap.stdout.utf8)).result.totals
            XCTAssertEqual(byRoot.values.reduce(0) { $0 + $1.objects }, live.liveObjects, "\(fixture): every live object once")
            XCTAssertEqual(byRoot.values.reduce(0) { $0 + $1.bytes }, live.liveBytes, "\(fixture): every live byte once")

            // A stripped binary names its globals by section and offset: the per-root check needs DWARF.
            guard !fixture.dump.contains("stripped") else { continue }
            let goroutineFunctions = Set(truth.goroutineRoots.map(\.function))
            let globals = truth.retained.filter { !goroutineFunctions.contains($0.root) }
            XCTAssertGreaterThanOrEqual(globals.count, 5, "\(fixture)")
            for root in globals {
                let measured = try XCTUnwrap(byRoot["global " + root.root], "\(fixture): no stack starts at \(root.root)")
                XCTAssertEqual(measured.objects, root.objects, "\(fixture): \(root.root) objects")
                XCTAssertEqual(measured.bytes, root.bytes, "\(fixture): \(root.root) bytes")
            }
        }
    }

    func testGoToolPprofReadsTheRetainedProfile() throws {
        let fixture = try XCTUnwrap(MemoryProfileTests.goHeapFixtures().first { $0.dump == "gcore" })
        let truth = try fixture.truth(Truth.self)
        let scratch = try Fixtures.scratchDirectory(for: self)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let path = scratch + "/retained.pb.gz"
        _ = try Shell.coreinspect(["heap", try fixture.core(), "--exe", try fixture.executable(named: truth.exe),
                                   "--profile-retained", path, "--profile-depth", "2"])
        let top = try Shell.run(HeapProfileCommandTests.goTool, ["tool", "pprof", "-top", "-cum", path])
        XCTAssertEqual(top.status, 0, top.stderr)
        XCTAssertTrue(top.stdout.contains("Type: retained_space"), top.stdout)
        let traces = try Shell.run(HeapProfileCommandTests.goTool, ["tool", "pprof", "-traces", path])
        // --profile-depth 2: a root and at most two types per stack.
        let stacks = traces.stdout.components(separatedBy: "-----------+").dropFirst()
        let depths = stacks.map { stack in
            stack.split(separator: "\n").dropFirst().filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }.count
        }
        XCTAssertEqual(depths.max(), 3, "the cap is reached, never passed: \(depths)")
    }
}
