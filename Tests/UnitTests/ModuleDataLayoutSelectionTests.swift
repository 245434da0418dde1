@testable import GoRuntime
import Symbols
import XCTest

/// Which `runtime.moduledata` layout the symbol table reads with first: the
/// binary's own when the caller resolved it, else its release's table or the
/// nearest one on the same side of 1.20.
final class ModuleDataLayoutSelectionTests: XCTestCase {
    private typealias ModuleDataLayout = GoSymbolTable.ModuleDataLayout

    private func tableLayout(minor: Int) throws -> ModuleDataLayout {
        let table = try XCTUnwrap(GoReleaseTable.all.first { $0.goRelease?.minor == minor }, "no 1.\(minor) table")
        return try GoRuntimeLayout(table: table, goVersion: table.release, exact: true).resolve(ModuleDataLayout.self).get()
    }

    private var newestTable: GoReleaseTable { GoReleaseTable.all.max { ($0.goRelease ?? .go1_18) < ($1.goRelease ?? .go1_18) }! }

    func testEveryTabledReleaseReadsWithItsOwnTable() throws {
        for table in GoReleaseTable.all {
            let release = try XCTUnwrap(table.goRelease)
            let own = try tableLayout(minor: release.minor)
            XCTAssertEqual(ModuleDataLayout.forRelease(release), own, table.release)
            XCTAssertEqual(ModuleDataLayout.forRelease(GoRelease(major: 1, minor: release.minor, patch: 99)), own, table.release)
        }
    }

    /// 1.20 has no table; its nearest by distance ties between 1.19 and 1.21,
    /// but its moduledata has 1.21's `covctrs`, so it reads like 1.21.
    func testGo120ReadsLikeGo121NotGo119() throws {
        let go120 = try XCTUnwrap(ModuleDataLayout.forRelease(GoRelease(major: 1, minor: 20, patch: 14)))
        XCTAssertEqual(go120, try tableLayout(minor: 21))
        XCTAssertNotEqual(go120, try tableLayout(minor: 19))
        // A release candidate has its release's runtime.
        XCTAssertEqual(ModuleDataLayout.forRelease(GoRelease(major: 1, minor: 20, prerelease: "rc1")), go120)
    }

    func testAFutureReleaseTakesTheNewestTable() throws {
        let newest = try XCTUnwrap(newestTable.goRelease)
        let future = GoRelease(major: newest.major, minor: newest.minor + 1)
        XCTAssertEqual(ModuleDataLayout.forRelease(future), try tableLayout(minor: newest.minor))
        XCTAssertEqual(ModuleDataLayout.preferred(runtime: nil, release: future, format: .go120), try tableLayout(minor: newest.minor))
    }

    func testAnUnknownReleaseFallsBackOnThePclntabFormat() throws {
        XCTAssertEqual(ModuleDataLayout.preferred(runtime: nil, release: nil, format: .go118), try tableLayout(minor: 19))
        XCTAssertEqual(ModuleDataLayout.preferred(runtime: nil, release: nil, format: .go120),
                       try tableLayout(minor: try XCTUnwrap(newestTable.goRelease).minor))
    }

    /// A binary with DWARF reads its moduledata where its DWARF says, even
    /// where no table matches: here a 1.20 binary whose moduledata gained a
    /// word before `types` (every later field moves by 8).
    func testTheBinarysOwnLayoutWinsAndAStandInDoesNot() throws {
        let base = try XCTUnwrap(GoReleaseTable.all.first { $0.goRelease?.minor == 21 })
        var moduledata = try XCTUnwrap(base.structure(named: "runtime.moduledata"))
        let typesOffset = try XCTUnwrap(moduledata.field(named: "types")).offset
        for index in moduledata.fields.indices where moduledata.fields[index].offset >= typesOffset {
            moduledata.fields[index].offset += 8
        }
        moduledata.size += 8
        func runtime(_ source: GoRuntimeLayout.Source) -> GoRuntimeLayout {
            GoRuntimeLayout(goVersion: "go1.20.14", source: source, constants: base.constants) { name in
                name == moduledata.name ? moduledata : base.structure(named: name)
            }
        }
        let go121 = try tableLayout(minor: 21)
        let own = ModuleDataLayout.preferred(runtime: runtime(.dwarf), release: GoRelease(major: 1, minor: 20), format: .go120)
        XCTAssertEqual(own.types, go121.types + 8)
        XCTAssertEqual(own.gofunc, go121.gofunc + 8)
        XCTAssertEqual(own.pcHeader, go121.pcHeader)

        // The nearest release's table (1.19's, for 1.20) is not the binary's own: the release decides.
        let standIn = GoRuntimeLayout(table: try XCTUnwrap(GoReleaseTable.all.first { $0.goRelease?.minor == 19 }),
                                      goVersion: "go1.20.14", exact: false)
        XCTAssertEqual(ModuleDataLayout.preferred(runtime: standIn, release: GoRelease(major: 1, minor: 20), format: .go120), go121)
        XCTAssertEqual(ModuleDataLayout.preferred(runtime: runtime(.table(release: "go1.21.13", exact: false)),
                                                  release: GoRelease(major: 1, minor: 20), format: .go120), go121)
    }
}
