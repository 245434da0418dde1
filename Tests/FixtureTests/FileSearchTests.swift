import CoreFile
import Foundation
import ProcessImage
import Symbols
import XCTest

/// Finding the executable without --exe: the recorded path under a sysroot,
/// a build-id index in a debug directory, or not at all.
final class FileSearchTests: XCTestCase {
    private var scratch: String!
    private var core: String!
    private var executable: String!
    private var truth: NativeTruth!
    /// The executable's path as the core recorded it (a temporary directory on the fixture machine).
    private var recordedPath: String!

    override func setUpWithError() throws {
        (core, executable, truth) = try Fixtures.cKernel()
        scratch = try Fixtures.scratchDirectory(for: self)
        let process = try ProcessImage(corePath: core, search: FileSearch())
        recordedPath = try XCTUnwrap(process.mainExecutable?.name)
        XCTAssertFalse(FileManager.default.fileExists(atPath: recordedPath), "the recorded path must not exist here")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: scratch)
    }

    private func assertExecutableFound(_ search: FileSearch, file: StaticString = #filePath, line: UInt = #line) throws {
        let process = try ProcessImage(corePath: core, search: search)
        let module = try XCTUnwrap(process.mainExecutable, file: file, line: line)
        XCTAssertEqual(module.buildIDMatches, true, file: file, line: line)
        let symbols = try NativeSymbols(process: process, search: search)
        let crashed = try XCTUnwrap(process.threads.first)
        let functions = symbols.stack(of: crashed).frames.compactMap(\.function)
        let expected = try XCTUnwrap(truth.threads.first { $0.tid == crashed.tid }).frames.map(\.function)
        XCTAssertTrue(functions.containsInOrder(expected), "\(functions)", file: file, line: line)
    }

    func testSysrootPrefixesTheRecordedPath() throws {
        let sysroot = scratch + "/sysroot"
        // A sysroot is the other machine's files: with one, no recorded path is read outside it
        // (see SysrootSafetyTests), so the libraries this machine has go in it too.
        var files = [recordedPath!: executable!]
        for mapping in try CoreFile(path: core).fileMappings?.mappings ?? [] where FileManager.default.fileExists(atPath: mapping.path) {
            files[mapping.path] = mapping.path
        }
        for (recorded, source) in files {
            let target = sysroot + recorded
            guard !FileManager.default.fileExists(atPath: target) else { continue }
            try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: source, toPath: target)
        }
        try assertExecutableFound(FileSearch(sysroot: sysroot))
    }

    func testBuildIDIndexInADebugDirectory() throws {
        let process = try ProcessImage(corePath: core, search: FileSearch())
        let buildID = try XCTUnwrap(process.mainExecutable?.coreBuildID).hex
        let index = scratch + "/debug/.build-id/" + buildID.prefix(2)
        try FileManager.default.createDirectory(atPath: index, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: index + "/" + buildID.dropFirst(2), withDestinationPath: executable)
        try assertExecutableFound(FileSearch(debugDirectories: [scratch + "/debug"]))
    }

    func testMissingRecordedExecutableIsAPartialAnswer() throws {
        let result = try Shell.coreinspect(["threads", core])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("\(recordedPath!): not found"), result.stderr)
        // libc frames still unwind and have names: only the executable's are lost.
        XCTAssertTrue(result.stdout.contains("__GI_abort"), result.stdout)
    }
}
