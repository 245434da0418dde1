import CoreFile
@testable import GoRuntime
import Symbols
import XCTest

/// The generated release tables, and how a binary's release picks one.
final class GoLayoutTableTests: XCTestCase {
    private func table(for version: String) throws -> (table: GoReleaseTable, exact: Bool) {
        try XCTUnwrap(GoReleaseTable.nearest(to: try XCTUnwrap(GoRelease(version))))
    }

    func testEveryReleaseOwnTableIsExact() throws {
        for table in GoReleaseTable.all {
            let chosen = try self.table(for: table.release)
            XCTAssertEqual(chosen.table.release, table.release)
            XCTAssertTrue(chosen.exact)
            // Any patch of the minor release takes the same table.
            let release = try XCTUnwrap(table.goRelease)
            XCTAssertEqual(try self.table(for: "go\(release.major).\(release.minor).1").table.release, table.release)
        }
    }

    func testReleasesWithoutATableGetTheNearestOlderOnATie() throws {
        let releases = GoReleaseTable.all.compactMap(\.goRelease)
        let oldest = try XCTUnwrap(releases.min()), newest = try XCTUnwrap(releases.max())
        XCTAssertFalse(releases.contains { $0.minor == 20 }, "1.20 has no table on purpose")
        // 1.20 sits between 1.19 and 1.21: the older one wins the tie.
        let go120 = try table(for: "go1.20.14")
        XCTAssertFalse(go120.exact)
        XCTAssertEqual(go120.table.goRelease?.minor, 19)
        // A future release gets the newest; an older one the oldest.
        let future = try table(for: "go1.\(newest.minor + 3).0")
        XCTAssertFalse(future.exact)
        XCTAssertEqual(future.table.goRelease, newest)
        let past = try table(for: "go1.\(oldest.minor - 2).5")
        XCTAssertFalse(past.exact)
        XCTAssertEqual(past.table.goRelease, oldest)
        // Nearest by distance, not always the older one: with only 1.19 and 1.27, 1.26 goes to 1.27.
        let sparse = GoReleaseTable.all.filter { [19, 27].contains($0.goRelease?.minor) }
        XCTAssertEqual(GoReleaseTable.nearest(to: GoRelease("go1.26.1")!, in: sparse)?.table.goRelease?.minor, 27)
        XCTAssertEqual(GoReleaseTable.nearest(to: GoRelease("go1.21.1")!, in: sparse)?.table.goRelease?.minor, 19)
        XCTAssertNil(GoReleaseTable.nearest(to: GoRelease("go1.21.1")!, in: []))
    }

    func testTablesAreSortedAndEveryStructureFieldFitsItsStructure() throws {
        for table in GoReleaseTable.all {
            let names = table.structures.map(\.name)
            XCTAssertEqual(names, names.sorted(), table.release)
            for structure in table.structures {
                for field in structure.fields {
                    XCTAssertLessThanOrEqual(field.offset + field.size, structure.size, "\(table.release) \(structure.name).\(field.name)")
                    if case let .array(count, elementSize) = field.kind {
                        XCTAssertEqual(count * elementSize, field.size, "\(table.release) \(structure.name).\(field.name)")
                    }
                }
            }
        }
    }

    /// Every structure type resolves from every table of a release that has
    /// it, and the fields that changed size changed in the release that the
    /// release predicates (and DESIGN.md) name.
    func testEveryStructureResolvesFromEveryTable() throws {
        for table in GoReleaseTable.all {
            let release = try XCTUnwrap(table.goRelease)
            let layout = GoRuntimeLayout(table: table, goVersion: table.release, exact: true)
            XCTAssertNoThrow(try layout.resolve(GLayout.self).get(), table.release)
            XCTAssertNoThrow(try layout.resolve(MLayout.self).get(), table.release)
            XCTAssertNoThrow(try layout.resolve(PLayout.self).get(), table.release)
            XCTAssertNoThrow(try layout.resolve(MHeapLayout.self).get(), table.release)
            XCTAssertNoThrow(try layout.resolve(HeapArenaLayout.self).get(), table.release)
            XCTAssertNoThrow(try layout.resolve(MCacheLayout.self).get(), table.release)
            XCTAssertNoThrow(try layout.resolve(SpecialFinalizerLayout.self).get(), table.release)
            XCTAssertNoThrow(try layout.resolve(SpecialProfileLayout.self).get(), table.release)
            XCTAssertNoThrow(try layout.resolve(ABITypeLayout.self).get(), table.release)
            XCTAssertNoThrow(try layout.resolve(ABIStructTypeLayout.self).get(), table.release)
            XCTAssertNoThrow(try layout.resolve(ABIStructFieldLayout.self).get(), table.release)
            XCTAssertNoThrow(try layout.resolve(ABIPtrTypeLayout.self).get(), table.release)
            XCTAssertNoThrow(try layout.resolve(ABISliceTypeLayout.self).get(), table.release)
            XCTAssertNoThrow(try layout.resolve(ABIArrayTypeLayout.self).get(), table.release)
            XCTAssertNoThrow(try layout.resolve(ProfileBucketLayout.self).get(), table.release)
            XCTAssertNoThrow(try layout.resolve(MemRecordLayout.self).get(), table.release)
            XCTAssertNoThrow(try layout.resolve(GCControllerLayout.self).get(), table.release)
            XCTAssertNoThrow(try layout.resolve(GoSymbolTable.ModuleDataLayout.self).get(), table.release)

            let span = try layout.resolve(MSpanLayout.self).get()
            XCTAssertEqual(span.nelems.size, release.hasMallocHeaders ? 2 : 8, table.release)
            XCTAssertEqual(span.freeindex.size, release.hasMallocHeaders ? 2 : 8, table.release)
            XCTAssertEqual(span.largeType != nil, release.hasMallocHeaders, table.release)
            XCTAssertEqual(try layout.resolve(SpecialLayout.self).get().offset.size, release.hasWideSpecialOffset ? 8 : 2, table.release)
            XCTAssertEqual(try layout.resolve(GLayout.self).get().parentGoid != nil, release >= .go1_21, table.release)

            let map = try layout.resolve(ABIMapTypeLayout.self).get()
            XCTAssertEqual(map.swiss != nil, release.hasSwissMaps, table.release)
            XCTAssertEqual((try? layout.resolve(SwissMapLayout.self).get()) != nil, release.hasSwissMaps, table.release)
            XCTAssertEqual((try? layout.resolve(SwissTableLayout.self).get()) != nil, release.hasSwissMaps, table.release)
            XCTAssertEqual((try? layout.resolve(BucketMapLayout.self).get()) != nil, !release.hasSwissMaps, table.release)
            XCTAssertEqual((try? layout.resolve(BucketLayout.self).get())?.tophash.count, release.hasSwissMaps ? nil : 8, table.release)
        }
    }

    /// A structure that does not resolve fails alone: here the table lost
    /// `mspan`, and goroutines (g, m) still resolve.
    func testAMissingStructureFailsOnlyWhatReadsIt() throws {
        let table = try XCTUnwrap(GoReleaseTable.all.last)
        let layout = GoRuntimeLayout(goVersion: table.release, source: .table(release: table.release, exact: true),
                                     constants: table.constants) { name in
            name == "runtime.mspan" ? nil : table.structure(named: name)
        }
        XCTAssertNoThrow(try layout.resolve(GLayout.self).get())
        XCTAssertNoThrow(try layout.resolve(MLayout.self).get())
        guard case let .failure(error) = layout.resolve(MSpanLayout.self) else { return XCTFail("mspan resolved without its layout") }
        XCTAssertTrue(error.description.contains("runtime.mspan"), error.description)
    }

    /// A field that changed kind is refused at resolution instead of read as garbage.
    func testAFieldOfTheWrongKindIsRefused() throws {
        let table = try XCTUnwrap(GoReleaseTable.all.last)
        let layout = GoRuntimeLayout(goVersion: table.release, source: .table(release: table.release, exact: true),
                                     constants: table.constants) { name in
            guard var g = table.structure(named: name), name == "runtime.g" else { return table.structure(named: name) }
            let index = try! XCTUnwrap(g.fields.firstIndex { $0.name == "goid" })
            g.fields[index].kind = .array(count: 1, elementSize: 8)
            return g
        }
        guard case let .failure(error) = layout.resolve(GLayout.self) else { return XCTFail("an array read as goid") }
        XCTAssertTrue(error.description.contains("goid"), error.description)
        XCTAssertNoThrow(try layout.resolve(MLayout.self).get())
    }

    func testModuleDataLayoutsComeFromTheTables() throws {
        let layouts = GoSymbolTable.ModuleDataLayout.all
        XCTAssertFalse(layouts.isEmpty)
        // The first 256 bytes, which the scanner relies on before it knows the release, agree in every table.
        for layout in layouts {
            XCTAssertEqual([layout.pcHeader, layout.funcnametab, layout.ftab, layout.minpc, layout.noptrbss],
                           [layouts[0].pcHeader, layouts[0].funcnametab, layouts[0].ftab, layouts[0].minpc, layouts[0].noptrbss])
            XCTAssertLessThanOrEqual(layout.gofunc + 8, GoSymbolTable.ModuleDataLayout.readSize)
        }
        for table in GoReleaseTable.all {
            let layout = try XCTUnwrap(GoSymbolTable.ModuleDataLayout.forRelease(try XCTUnwrap(table.goRelease)))
            let moduledata = try XCTUnwrap(table.structure(named: "runtime.moduledata"))
            XCTAssertEqual(UInt64(layout.gofunc), moduledata.field(named: "gofunc")?.offset, table.release)
            XCTAssertEqual(UInt64(layout.types), moduledata.field(named: "types")?.offset, table.release)
        }
    }
}

/// How a Go process picks its layouts when the binary has no DWARF.
final class GoLayoutSelectionTests: XCTestCase {
    func testAReleaseWithoutATableGetsTheNearestAndAWarning() throws {
        var warnings: [Warning] = []
        let (layout, source) = try GoProcess.loadLayout(for: GoBuildInfo(goVersion: "go1.20.14"), dwarf: nil, warnings: &warnings)
        let nearest = try XCTUnwrap(GoReleaseTable.nearest(to: GoRelease(major: 1, minor: 20)))
        XCTAssertFalse(nearest.exact)
        XCTAssertEqual(layout.source, .table(release: nearest.table.release, exact: false))
        XCTAssertEqual(source, "table \(nearest.table.release) (nearest to go1.20.14)")
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings.first?.message.contains("go1.20.14") == true, "\(warnings)")
        XCTAssertNoThrow(try layout.resolve(GLayout.self).get())
    }

    func testAReleaseWithATableGetsItWithoutWarning() throws {
        for table in GoReleaseTable.all {
            var warnings: [Warning] = []
            let (layout, source) = try GoProcess.loadLayout(for: GoBuildInfo(goVersion: table.release), dwarf: nil, warnings: &warnings)
            XCTAssertEqual(layout.source, .table(release: table.release, exact: true))
            XCTAssertEqual(source, "table \(table.release)")
            XCTAssertEqual(warnings, [])
        }
    }

    func testAnUnreadableVersionHasNoLayout() {
        var warnings: [Warning] = []
        XCTAssertThrowsError(try GoProcess.loadLayout(for: GoBuildInfo(goVersion: "not a version"), dwarf: nil, warnings: &warnings)) { error in
            XCTAssertEqual(error as? GoRuntimeError, .noLayout(goVersion: "not a version"))
        }
    }
}
