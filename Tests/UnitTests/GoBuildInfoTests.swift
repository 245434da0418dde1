import CoreFile
@testable import GoRuntime
import XCTest

final class GoBuildInfoTests: XCTestCase {
    /// A Go 1.18+ blob: 32-byte header, then varint-prefixed version and modinfo.
    private func blob(version: String, modinfo: String) -> [UInt8] {
        var bytes = GoBuildInfo.magic + [8, 0x2]
        bytes += [UInt8](repeating: 0, count: 32 - bytes.count)
        for text in [version, modinfo] {
            var length = text.utf8.count
            while length >= 0x80 {
                bytes.append(UInt8(length & 0x7f) | 0x80)
                length >>= 7
            }
            bytes.append(UInt8(length))
            bytes += Array(text.utf8)
        }
        return bytes
    }

    func testDecodesInlineBuildInfoWithSentinels() throws {
        let sentinel = String(repeating: "x", count: 16)
        let modinfo = sentinel + "path\texample.com/app\nmod\texample.com/app\tv1.2.3\th1:abc=\n"
            + "dep\tgolang.org/x/sys\tv0.1.0\th1:def=\n=>\t../sys\t(devel)\t\nbuild\t-ldflags=-s -w\nbuild\tvcs.revision=0123456789ab\n"
            + String(repeating: "y", count: 16)
        let memory = FakeMemory()
        memory.map(blob(version: "go1.23.4", modinfo: modinfo), at: 0x5000)
        let info = try XCTUnwrap(try GoBuildInfo.decode(at: Address(0x5000), memory: memory))
        XCTAssertEqual(info.goVersion, "go1.23.4")
        XCTAssertEqual(info.release, GoRelease(major: 1, minor: 23, patch: 4))
        XCTAssertEqual(info.path, "example.com/app")
        XCTAssertEqual(info.mainModule?.version, "v1.2.3")
        XCTAssertEqual(info.dependencies.map(\.path), ["golang.org/x/sys"])
        XCTAssertEqual(info.dependencies.first?.replacement?.hasPrefix("../sys"), true)
        XCTAssertEqual(info.setting("-ldflags"), "-s -w")
        XCTAssertEqual(info.setting("vcs.revision"), "0123456789ab")
    }

    /// `info` shows the version as spelled; code compares the release parsed from it, which follows the spelling.
    func testReleaseIsParsedFromTheVersionAndFollowsIt() {
        var info = GoBuildInfo(goVersion: "devel go1.27-1234abcd Mon Jan 5 2026")
        XCTAssertEqual(info.release, GoRelease(major: 1, minor: 27, prerelease: "devel"))
        info.goVersion = "go1.19.8"
        XCTAssertEqual(info.release, GoRelease(major: 1, minor: 19, patch: 8))
        info.goVersion = "devel +abcdef"
        XCTAssertNil(info.release)
        XCTAssertEqual(info.goVersion, "devel +abcdef")
    }

    func testRejectsAVersionThatIsNotGo() throws {
        let memory = FakeMemory()
        memory.map(blob(version: "garbage", modinfo: ""), at: 0x5000)
        XCTAssertNil(try GoBuildInfo.decode(at: Address(0x5000), memory: memory))
    }

    func testCorruptLengthDoesNotAllocate() {
        var bytes = GoBuildInfo.magic + [8, 0x2]
        bytes += [UInt8](repeating: 0, count: 32 - bytes.count)
        bytes += [0xff, 0xff, 0xff, 0xff, 0x0f] // varint length of 4 GiB
        let memory = FakeMemory()
        memory.map(bytes, at: 0x5000)
        XCTAssertThrowsError(try GoBuildInfo.decode(at: Address(0x5000), memory: memory))
    }
}
