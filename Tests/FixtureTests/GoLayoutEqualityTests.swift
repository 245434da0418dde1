import CoreFile
@testable import GoRuntime
import ProcessImage
import Symbols
import XCTest

/// The generated release tables against the DWARF of every fixture binary
/// built with that release, and the wait reasons found by shape in stripped
/// binaries against those DWARF names.
final class GoLayoutEqualityTests: XCTestCase {
    private struct Opened {
        var process: ProcessImage
        var native: NativeSymbols
        var executable: Module
        var goVersion: String
    }

    /// Both tests read the same fixtures: each is opened once.
    nonisolated(unsafe) private static var opened: [String: Opened] = [:]

    private func open(_ fixture: Fixture) throws -> Opened {
        if let known = Self.opened[fixture.description] { return known }
        let truth = try fixture.truth(GoTruth.self)
        let search = FileSearch(executable: try fixture.executable(named: truth.exe))
        let process = try ProcessImage(corePath: try fixture.core(), search: search)
        let opened = Opened(process: process, native: try NativeSymbols(process: process, search: search),
                            executable: try XCTUnwrap(process.mainExecutable), goVersion: truth.go_version)
        Self.opened[fixture.description] = opened
        return opened
    }

    /// One fixture per binary: the gcore dumps of unstripped programs.
    private func unstrippedFixtures() throws -> [Fixture] {
        try Fixtures.go().filter { $0.0.dump == "gcore" && $0.1.stripped != true }.map(\.0)
    }

    /// Where the fixture was built with the table's own toolchain, every
    /// structure and field of the table equals the binary's DWARF. Where only
    /// the minor release matches (go1.23.4 against the go1.23.9 table), patch
    /// releases may still move fields (1.23.x added `m.g0StackAccurate`), so
    /// there every field coreinspect reads must resolve the same.
    func testEveryTableEqualsTheDWARFOfItsReleasesFixtures() throws {
        var identical: Set<String> = [], resolvedAlike: Set<String> = []
        for fixture in try unstrippedFixtures() {
            let opened = try open(fixture)
            let dwarf = try XCTUnwrap(opened.native.dwarfIndex(for: opened.executable), "\(fixture) has no DWARF")
            let release = try XCTUnwrap(GoRelease(opened.goVersion))
            guard let (table, exact) = GoReleaseTable.nearest(to: release), exact else {
                XCTFail("\(fixture): no table for \(opened.goVersion)")
                continue
            }
            let fromDWARF = GoRuntimeLayout(dwarf: dwarf, goVersion: opened.goVersion)
            let fromTable = GoRuntimeLayout(table: table, goVersion: opened.goVersion, exact: true)
            for type in Self.structureTypes {
                XCTAssertTrue(resolveAlike(type, fromDWARF, fromTable), "\(fixture): \(type.typeNames[0]) against \(table.release)")
            }
            for (name, value) in table.constants where fromDWARF.constants[name] != nil {
                XCTAssertEqual(fromDWARF.constants[name], value, "\(fixture) \(name)")
            }
            resolvedAlike.insert(table.release)
            guard opened.goVersion == table.release else { continue }
            for structure in table.structures {
                XCTAssertEqual(dwarf.structLayout(named: structure.name), structure, "\(fixture) \(structure.name)")
            }
            // And the table leaves out no structure the code reads that the binary has.
            for name in Self.structureNames where dwarf.structLayout(named: name) != nil {
                XCTAssertNotNil(table.structure(named: name), "\(fixture): \(table.release)'s table lacks \(name)")
            }
            identical.insert(table.release)
        }
        // Fixtures: go1.19.8, go1.21.13, go1.24.11, go1.26.6 and go1.27.3 (the tables' own patches), and go1.23.4.
        XCTAssertGreaterThanOrEqual(identical.count, 5, "releases compared field by field: \(identical.sorted())")
        XCTAssertGreaterThanOrEqual(resolvedAlike.count, 6, "releases compared: \(resolvedAlike.sorted())")
    }

    /// Both resolve to equal fields, or both fail.
    private func resolveAlike<Structure: GoRuntimeStructure>(_ type: Structure.Type, _ left: GoRuntimeLayout, _ right: GoRuntimeLayout) -> Bool {
        switch (left.resolve(type), right.resolve(type)) {
        case let (.success(a), .success(b)): return a == b
        case (.failure, .failure): return true
        default: return false
        }
    }

    /// The moduledata read with the binary's DWARF layout, as GoProcess reads
    /// it, is the one the release's table finds.
    func testModuleDataReadWithDWARFEqualsTheTablesReading() throws {
        var compared: Set<String> = []
        for fixture in try unstrippedFixtures() {
            let opened = try open(fixture)
            let dwarf = try XCTUnwrap(opened.native.dwarfIndex(for: opened.executable), "\(fixture) has no DWARF")
            let fromDWARF = GoRuntimeLayout(dwarf: dwarf, goVersion: opened.goVersion)
            let withDWARF = try GoSymbolTable(process: opened.process, layout: fromDWARF)
            let withTable = try GoSymbolTable(process: opened.process)
            XCTAssertEqual(withDWARF.warnings, [], "\(fixture)")
            XCTAssertTrue(withDWARF.hasInlineTrees, "\(fixture)")
            var read = try XCTUnwrap(withDWARF.moduleData, "\(fixture)")
            // The DWARF layout is labelled with the binary's own version, the table's with the table's.
            XCTAssertEqual(read.layoutRelease, opened.goVersion, "\(fixture)")
            read.layoutRelease = try XCTUnwrap(withTable.moduleData, "\(fixture)").layoutRelease
            XCTAssertEqual(read, withTable.moduleData, "\(fixture)")
            compared.insert(opened.goVersion)
        }
        XCTAssertGreaterThanOrEqual(compared.count, 6, "releases compared: \(compared.sorted())")
    }

    func testWaitReasonsFoundByShapeEqualTheDWARFArray() throws {
        var compared = 0
        for fixture in try unstrippedFixtures() {
            let opened = try open(fixture)
            let dwarf = try XCTUnwrap(opened.native.dwarfIndex(for: opened.executable))
            let bias = try XCTUnwrap(opened.process.loadedProgramHeaders(of: opened.executable)).bias
            let expected = try XCTUnwrap(WaitReasonStrings.fromDWARF(dwarf, bias: bias, memory: opened.process.memory), "\(fixture)")
            XCTAssertEqual(expected.first, "", "\(fixture)")
            XCTAssertGreaterThan(expected.count, 20, "\(fixture)")
            XCTAssertEqual(WaitReasonStrings.byShape(process: opened.process), expected, "\(fixture), unstripped")

            // The stripped twin, built from the same source with -s -w, beside it.
            let stripped = try Fixtures.go().filter { $0.0.directory == fixture.directory && $0.1.stripped == true }.map(\.0)
            for twin in stripped {
                let strippedProcess = try open(twin).process
                XCTAssertEqual(WaitReasonStrings.byShape(process: strippedProcess), expected, "\(twin)")
                compared += 1
            }
        }
        XCTAssertGreaterThanOrEqual(compared, 6, "stripped fixtures compared")
    }

    // Read-only metatypes; Swift cannot prove an array of existential metatypes Sendable.
    nonisolated(unsafe) static let structureTypes: [any GoRuntimeStructure.Type] = [
        GLayout.self, MLayout.self, PLayout.self, MHeapLayout.self, HeapArenaLayout.self, MSpanLayout.self, MCacheLayout.self,
        SpecialLayout.self, SpecialFinalizerLayout.self, SpecialProfileLayout.self, ABITypeLayout.self, ABIStructTypeLayout.self,
        ABIStructFieldLayout.self, ABIPtrTypeLayout.self, ABISliceTypeLayout.self, ABIArrayTypeLayout.self, ABIMapTypeLayout.self,
        SwissMapLayout.self, SwissTableLayout.self, BucketMapLayout.self, BucketLayout.self, ProfileBucketLayout.self,
        MemRecordLayout.self, GCControllerLayout.self, GoSymbolTable.ModuleDataLayout.self,
    ]

    /// Every name a `GoRuntimeStructure` reads, and the structures its paths descend into.
    static let structureNames = structureTypes.flatMap { $0.typeNames }
        + ["runtime.gobuf", "runtime.stack", "runtime.mSpanStateBox", "runtime.memRecordCycle", "internal/runtime/maps.groupsReference",
           "internal/abi.Name", "runtime.name"]
}
