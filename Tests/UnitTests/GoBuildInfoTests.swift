import CoreFile
@testable import GoRuntime
import XCTest

final class GoBuildInfoTests: XCTestCase {
    /// A Go 1.18+ blob: 32-byte header, then varint-prefixed version and modinfo.
    private func blob(version: String, modinfo: String) -> [UInt8] {
        blob(version: version, modinfoBytes: Array(modinfo.utf8))
    }

    private func blob(version: String, modinfoBytes: [UInt8]) -> [UInt8] {
        var bytes = GoBuildInfo.magic + [8, 0x2]
        bytes += [UInt8](repeating: 0, count: 32 - bytes.count)
        for text in [Array(version.utf8), modinfoBytes] {
            var length = text.count
            while length >= 0x80 {
                bytes.append(UInt8(length & 0x7f) | 0x80)
                length >>= 7
            }
            bytes.append(UInt8(length))
            bytes += text
        }
        return bytes
    }

    /// The linker's real sentinels (cmd/go's infoStart and infoEnd) are not UTF-8: stripped as
    /// text they became replacement characters and the first line, `path`, was lost.
    func testStripsTheLinkersBinarySentinels() throws {
        let start: [UInt8] = [0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02, 0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6]
        let end: [UInt8] = [0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72, 0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2]
        let text = Array("path\texample.com/app\nmod\texample.com/app\t(devel)\t\nbuild\tGOOS=linux\n".utf8)
        let memory = FakeMemory()
        memory.map(blob(version: "go1.26.6", modinfoBytes: start + text + end), at: 0x5000)
        let info = try XCTUnwrap(try GoBuildInfo.decode(at: Address(0x5000), memory: memory))
        XCTAssertEqual(info.path, "example.com/app")
        XCTAssertEqual(info.mainModule?.version, "(devel)")
        XCTAssertEqual(info.setting("GOOS"), "linux")
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
