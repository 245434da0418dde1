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

    /// One catalog per binary: the gcore dumps (kernel dumps share their binaries).
    nonisolated(unsafe) private static var cached: [Catalogued]?

    private func catalogs() throws -> [Catalogued] {
        if let cached = Self.cached { return cached }
        var all: [Catalogued] = []
        for fixture in Fixtures.all() where fixture.name.hasPrefix("go-heap/") && fixture.dump.hasPrefix("gcore") {
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
}
