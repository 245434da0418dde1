import CoreFile
import Foundation
import ProcessImage
import XCTest

/// With `--sysroot`, a path the core names is looked for inside the sysroot and never outside
/// it: not through `..` in the core's NT_FILE, and not through a symbolic link in the sysroot.
/// Each test puts the right executable just outside the sysroot, where following the path
/// would find it, and checks that it is not used.
final class SysrootSafetyTests: XCTestCase {
    private var scratch: String!
    private var core: String!
    private var executable: String!
    /// The executable's path as the core's NT_FILE records it.
    private var recordedPath: String!
    private var sysroot: String { scratch + "/sysroot" }
    /// The real executable, outside the sysroot.
    private var outside: String { scratch + "/outside/c-threads" }

    override func setUpWithError() throws {
        (core, executable, _) = try Fixtures.cKernel()
        scratch = try Fixtures.scratchDirectory(for: self)
        let process = try ProcessImage(corePath: core, search: FileSearch())
        recordedPath = try XCTUnwrap(process.mainExecutable?.name)
        let manager = FileManager.default
        try manager.createDirectory(atPath: sysroot, withIntermediateDirectories: true)
        try manager.createDirectory(atPath: scratch + "/outside", withIntermediateDirectories: true)
        try manager.copyItem(atPath: executable, toPath: outside)
    }

    override func tearDownWithError() throws {
        if let scratch { try? FileManager.default.removeItem(atPath: scratch) }
    }

    private func mainExecutable(core: String) throws -> Module {
        try XCTUnwrap(try ProcessImage(corePath: core, search: FileSearch(sysroot: sysroot)).mainExecutable)
    }

    /// Places a symbolic link at the recorded path inside the sysroot.
    private func link(recordedPathTo target: String) throws {
        let path = sysroot + recordedPath
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
    }

    /// A copy of the core whose NT_FILE names `path` instead of the executable's recorded path:
    /// rewritten in place, padded with leading slashes to the same length.
    private func coreNaming(_ path: String) throws -> (core: String, forged: String) {
        XCTAssertGreaterThanOrEqual(recordedPath.utf8.count, path.utf8.count)
        let forged = String(repeating: "/", count: recordedPath.utf8.count - path.utf8.count) + path
        let damaged = scratch + "/forged.core"
        var data = try Data(contentsOf: URL(fileURLWithPath: core))
        let layout = try CoreLayout(path: core)
        let note = try XCTUnwrap(layout.note)
        let notes = Int(note.offset)..<Int(note.offset + note.fileSize)
        var replaced = 0
        while let found = data.range(of: Data(recordedPath.utf8), in: notes.lowerBound + replaced..<notes.upperBound) {
            data.replaceSubrange(found, with: Data(forged.utf8))
            replaced = found.upperBound - notes.lowerBound
        }
        XCTAssertGreaterThan(replaced, 0, "the recorded path is in NT_FILE")
        try data.write(to: URL(fileURLWithPath: damaged))
        return (damaged, forged)
    }

    func testDotDotInTheCoresPathStaysInside() throws {
        let (damaged, forged) = try coreNaming("/../outside/c-threads")
        // Without the sysroot's guard, sysroot + forged = scratch/outside/c-threads, which exists.
        XCTAssertTrue(FileManager.default.fileExists(atPath: sysroot + forged))
        let module = try mainExecutable(core: damaged)
        XCTAssertEqual(module.name, forged)
        XCTAssertNil(module.located?.path, "followed \(forged) out of the sysroot to \(module.located?.path ?? "")")
    }

    func testAbsoluteLinkIsReadInsideTheSysroot() throws {
        try link(recordedPathTo: outside)
        XCTAssertNil(try mainExecutable(core: core).located?.path, "followed an absolute link out of the sysroot")
        // The same link is honoured when its target exists inside the sysroot, as on the machine the core came from.
        let inside = sysroot + outside
        try FileManager.default.createDirectory(atPath: (inside as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: executable, toPath: inside)
        let module = try mainExecutable(core: core)
        XCTAssertEqual(module.located?.path, inside)
        XCTAssertEqual(module.buildIDMatches, true)
    }

    func testRelativeLinkCannotClimbOut() throws {
        let depth = recordedPath.split(separator: "/").count + sysroot.split(separator: "/").count
        try link(recordedPathTo: String(repeating: "../", count: depth) + String(outside.dropFirst()))
        XCTAssertNil(try mainExecutable(core: core).located?.path, "followed a relative link out of the sysroot")
    }

    func testLinkLoopIsRefused() throws {
        try link(recordedPathTo: recordedPath)
        XCTAssertNil(try mainExecutable(core: core).located?.path)
    }

    func testThisMachinesPathIsNotTriedWithASysroot() throws {
        // A short host path, so that it fits in place of the recorded one.
        let host = "/tmp/ci-sysroot-\(getpid())"
        try FileManager.default.createDirectory(atPath: host, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: host) }
        try FileManager.default.copyItem(atPath: executable, toPath: host + "/c-threads")
        let (damaged, forged) = try coreNaming(host + "/c-threads")
        let withoutSysroot = try XCTUnwrap(try ProcessImage(corePath: damaged, search: FileSearch()).mainExecutable)
        XCTAssertEqual(withoutSysroot.located?.path, forged, "the forged path names the executable on this machine")
        XCTAssertNil(try mainExecutable(core: damaged).located?.path, "with --sysroot, the path was read outside it")
    }
}
