import Analysis
import XCTest

final class TypeTableTests: XCTestCase {
    func testInterningGivesOneIdPerNameAndKeepsTheFirstSize() {
        var types = TypeTable()
        let session = types.intern("main.Session", size: 48, kind: .runtimeType)
        let entries = types.intern("[]*main.Session", size: 24, kind: .runtimeType)
        XCTAssertNotEqual(session, entries)
        XCTAssertEqual(types.intern("main.Session", size: 99, kind: .cppClass), session)
        XCTAssertEqual(types.name(of: session), "main.Session")
        XCTAssertEqual(types.size(of: session), 48)
        XCTAssertEqual(types.kind(of: session), .runtimeType)
        XCTAssertEqual(types.id(named: "[]*main.Session"), entries)
        XCTAssertNil(types.id(named: "main.Other"))
        XCTAssertEqual(types.count, 3)
    }

    func testIdZeroIsUnknown() {
        let types = TypeTable()
        XCTAssertEqual(types.count, 1)
        XCTAssertEqual(types.name(of: .unknown), "[unknown]")
        XCTAssertEqual(types.kind(of: .unknown), .unknown)
    }

    func testUntypedRowsAreNamedAlikeByEveryWalker() {
        var types = TypeTable()
        let sizeClass = types.sizeClass(5, size: 48)
        let bytes = types.byteCount(40960)
        XCTAssertEqual(types.name(of: sizeClass), "[size class 5]")
        XCTAssertEqual(types.size(of: sizeClass), 48)
        XCTAssertEqual(types.kind(of: sizeClass), .sizeClass)
        XCTAssertEqual(types.name(of: bytes), "[40960 bytes]")
        XCTAssertEqual(types.kind(of: bytes), .byteCount)
        XCTAssertEqual(types.sizeClass(5, size: 48), sizeClass)
    }
}
