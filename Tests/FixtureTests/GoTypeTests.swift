import Analysis
import CoreFile
@testable import GoRuntime
import ProcessImage
import Symbols
import XCTest

/// The type descriptors of every go-heap fixture binary, DWARF and stripped,
/// against the program's own truth (its types and containers with their sizes)
/// and against the DWARF of the unstripped twin.
final class GoTypeTests: XCTestCase {
    private struct HeapTruth: Decodable {
        struct TypeCount: Decodable { var type: String; var size: UInt64 }
        struct Container: Decodable { var type: String }
        var exe: String
        var go_version: String
        var stripped: Bool?
        var types: [TypeCount]
        var containers: [Container]
    }

    private struct Catalogued {
        var fixture: Fixture
        var truth: HeapTruth
        var catalog: GoTypeCatalog
        var opened: OpenedFixture
    }

    /// One catalog per dump: gcore and kernel cores hold the descriptors in different ways
    /// (the kernel writes file-backed pages only when dirty; ProcessImage fills them in from the binary).
    nonisolated(unsafe) private static var cached: [Catalogued]?

    private func catalogs() throws -> [Catalogued] {
        if let cached = Self.cached { return cached }
        var all: [Catalogued] = []
        for fixture in Fixtures.all() where fixture.name.hasPrefix("go-heap/") {
            let truth = try fixture.truth(HeapTruth.self)
            let opened = try fixture.opened()
            let go = try opened.go
            let catalog = try GoTypeCatalog(process: go, memory: opened.process.memory)
            XCTAssertGreaterThan(catalog.readModuleTypes(of: go), 0, "\(fixture): no typelinks or itablinks")
            XCTAssertEqual(catalog.warnings, [], "\(fixture)")
            all.append(Catalogued(fixture: fixture, truth: truth, catalog: catalog, opened: opened))
        }
        XCTAssertFalse(all.isEmpty, "no go-heap fixtures")
        Self.cached = all
        return all
    }

    /// Names the program counts that no descriptor carries: a backing array
    /// `[N]T` made by `make([]T, N)` (the allocator gets only T; the catalog
    /// names the array from T), and a closure context, which Go names after its
    /// function (`main.makeCounter.func1`), not after its descriptor.
    private func resolve(_ name: String, in catalog: GoTypeCatalog) -> TypeID? {
        if let id = catalog.type(named: name) { return id }
        guard name.hasPrefix("["), let close = name.firstIndex(of: "]"),
              let count = UInt64(name[name.index(after: name.startIndex)..<close]),
              let elem = resolve(String(name[name.index(after: close)...]), in: catalog)
        else { return nil }
        return catalog.arrayType(of: elem, count: count)
    }

    func testEveryCountedTypeAndContainerIsFoundWithItsSize() throws {
        for entry in try catalogs() {
            let catalog = entry.catalog
            var closures = 0
            for counted in entry.truth.types {
                guard let id = resolve(counted.type, in: catalog) else {
                    // Closure contexts: the truth names them by function.
                    if counted.type.contains(".func") { closures += 1; continue }
                    XCTFail("\(entry.fixture): \(counted.type) not found among \(catalog.recordedTypes.count) types")
                    continue
                }
                XCTAssertEqual(catalog.record(of: id)?.size, counted.size, "\(entry.fixture): size of \(counted.type)")
            }
            XCTAssertLessThanOrEqual(closures, 1, "\(entry.fixture): only the one closure is named by its function")
            // Pointers sit in an interface's data word themselves (the program's; pointers to the
            // runtime's not-in-heap types do not); strings, slices and interfaces are boxed.
            for id in catalog.recordedTypes {
                guard let record = catalog.record(of: id) else { continue }
                if record.kind == .pointer, catalog.name(of: record.elem).hasPrefix("main.") {
                    XCTAssertTrue(record.isDirectInterface, "\(entry.fixture): \(catalog.name(of: id))")
                }
                if [.string, .slice, .interface].contains(record.kind) {
                    XCTAssertFalse(record.isDirectInterface, "\(entry.fixture): \(catalog.name(of: id))")
                }
            }
            for container in entry.truth.containers {
                let id = catalog.type(named: container.type)
                XCTAssertNotNil(id, "\(entry.fixture): container \(container.type)")
                guard let id, let record = catalog.record(of: id) else { continue }
                let expected: GoTypeKind? = container.type.hasPrefix("map[") ? .map : container.type.hasPrefix("chan ") ? .chan
                    : container.type.hasPrefix("[]") ? .slice : nil
                if let expected { XCTAssertEqual(record.kind, expected, "\(entry.fixture): \(container.type)") }
                if record.kind == .map || record.kind == .chan || record.kind == .slice {
                    XCTAssertNotEqual(record.elem, .unknown, "\(entry.fixture): element of \(container.type)")
                }
                if record.kind == .map {
                    XCTAssertNotEqual(record.key, .unknown, "\(entry.fixture): key of \(container.type)")
                    XCTAssertNotEqual(record.mapStorage, .unknown, "\(entry.fixture): group/bucket of \(container.type)")
                }
            }
        }
    }

    /// The program's own struct types (package main) against the DWARF of the
    /// unstripped binary: the same size and the same fields at the same offsets.
    func testProgramStructFieldsEqualDWARF() throws {
        var compared = 0, packagePaths = 0
        for entry in try catalogs() where entry.truth.stripped != true {
            let dwarf = try XCTUnwrap(entry.opened.native.dwarfIndex(for: try XCTUnwrap(entry.opened.process.mainExecutable)))
            for id in entry.catalog.recordedTypes where entry.catalog.name(of: id).hasPrefix("main.") {
                let name = entry.catalog.name(of: id)
                guard let record = entry.catalog.record(of: id), record.kind == .struct,
                      let layout = dwarf.structLayout(named: name) else { continue }
                XCTAssertEqual(record.size, layout.size, "\(entry.fixture): \(name)")
                if record.tflag & GoTypeFlags.uncommon != 0 {
                    XCTAssertEqual(entry.catalog.packagePath(of: id), "main", "\(entry.fixture): \(name)")
                    packagePaths += 1
                }
                let fields = entry.catalog.links(of: id).map { "\($0.name)@\($0.offset)" }
                XCTAssertEqual(fields, layout.fields.map { "\($0.name)@\($0.offset)" }, "\(entry.fixture): \(name)")
                compared += 1
            }
        }
        XCTAssertGreaterThan(compared, 0, "no program struct compared with DWARF")
        XCTAssertGreaterThan(packagePaths, 0, "no program struct with an uncommon type")
    }

    /// `-s -w` drops symbols and DWARF, not descriptors: both twins list the
    /// same types with the same size, pointer prefix and kind.
    func testStrippedAndUnstrippedTwinsListTheSameTypes() throws {
        let all = try catalogs()
        var pairs = 0
        for stripped in all where stripped.truth.stripped == true {
            guard let twin = all.first(where: { $0.truth.stripped != true && $0.truth.go_version == stripped.truth.go_version }) else { continue }
            XCTAssertEqual(summary(of: stripped.catalog), summary(of: twin.catalog), "\(stripped.fixture) against \(twin.fixture)")
            pairs += 1
        }
        XCTAssertGreaterThan(pairs, 0)
    }

    private func summary(of catalog: GoTypeCatalog) -> Set<String> {
        Set(catalog.recordedTypes.compactMap { id in
            catalog.record(of: id).map { "\(catalog.name(of: id)) \($0.size) \($0.ptrBytes) \($0.kind)" }
        })
    }

    /// The pointer bitmap of every program struct marks exactly the words that
    /// DWARF's member types say hold pointers (pointers, maps, channels, funcs,
    /// string and slice data, both interface words), nested structs included.
    func testProgramStructBitmapsMarkExactlyTheirPointerFields() throws {
        var compared = 0
        for entry in try catalogs() where entry.truth.stripped != true {
            let dwarf = try XCTUnwrap(entry.opened.native.dwarfIndex(for: try XCTUnwrap(entry.opened.process.mainExecutable)))
            var sessionCompared = false
            for id in entry.catalog.recordedTypes where entry.catalog.name(of: id).hasPrefix("main.") {
                let name = entry.catalog.name(of: id)
                guard entry.catalog.record(of: id)?.kind == .struct, var expected = pointerWords(of: name, in: dwarf) else { continue }
                let actual = try XCTUnwrap(entry.catalog.pointerWords(of: id), "\(entry.fixture): \(name) has no bitmap")
                // The bitmap covers only the pointer prefix (`ptrBytes`); words past it are scalars by definition.
                expected = expected.filter { $0 < Int(entry.catalog.record(of: id)!.ptrBytes / 8) }
                XCTAssertEqual(actual, expected.sorted(), "\(entry.fixture): \(name)")
                XCTAssertFalse(actual.isEmpty && name == "main.Session", "\(entry.fixture): main.Session holds pointers")
                sessionCompared = sessionCompared || name == "main.Session"
                compared += 1
            }
            XCTAssertTrue(sessionCompared, "\(entry.fixture): main.Session's bitmap was compared")
        }
        XCTAssertGreaterThan(compared, 0)
    }

    /// The pointer words of a DWARF struct, or nil when it holds an array
    /// (DWARF's field kinds do not say what an array's elements are).
    private func pointerWords(of name: String, in dwarf: DWARFIndex, depth: Int = 0) -> [Int]? {
        guard depth < 8, let layout = dwarf.structLayout(named: name) else { return nil }
        var words: [Int] = []
        for field in layout.fields {
            let word = Int(field.offset / 8)
            switch field.kind {
            case .integer: continue
            case .pointer: words.append(word)
            case .array: if field.size != 0 { return nil }
            case let .structure(type):
                if type == "string" || type.hasPrefix("[]") {
                    words.append(word)
                } else if type == "runtime.iface" || type == "runtime.eface" {
                    words += [word, word + 1]
                } else {
                    guard let nested = pointerWords(of: type, in: dwarf, depth: depth + 1) else { return nil }
                    words += nested.map { $0 + word }
                }
            }
        }
        return words
    }

    /// The bitmaps the catalog builds from a type's structure (for GC programs
    /// before 1.24 and masks the runtime builds on demand from 1.24) equal the
    /// runtime's own bitmap wherever the runtime has one; and every type with
    /// pointers gets a bitmap, whichever way.
    func testBitmapsBuiltFromStructureEqualTheRuntimes() throws {
        for entry in try catalogs() {
            let catalog = entry.catalog
            var checked = 0, built = 0
            for id in catalog.recordedTypes {
                guard let record = catalog.record(of: id), record.hasPointers else { continue }
                let mask = try XCTUnwrap(catalog.pointerMaskBytes(of: id), "\(entry.fixture): \(catalog.name(of: id))")
                XCTAssertEqual(mask.count, (Int(record.ptrBytes / 8) + 7) / 8)
                guard case .inProcess = record.pointerMask else { built += 1; continue }
                // A struct or array whose runtime bitmap exists: build it again from the fields.
                guard record.kind == .struct || record.kind == .array, let rebuilt = catalog.buildMask(of: id, words: Int(record.ptrBytes / 8))
                else { continue }
                XCTAssertEqual(rebuilt, Array(mask), "\(entry.fixture): \(catalog.name(of: id))")
                checked += 1
            }
            XCTAssertGreaterThan(checked, 50, "\(entry.fixture): runtime bitmaps compared (\(built) built)")
        }
    }
}
