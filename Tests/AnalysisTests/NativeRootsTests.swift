import Analysis
import CoreFile
import XCTest

/// Native roots over a fake process: a stack read from SP up only, the loader's pages around
/// a main thread's TLS, a DTV whose array and dynamic block are heap rows, and module data.
final class NativeRootsTests: XCTestCase {
    private static let heap: UInt64 = 0x1000_0000
    private static let stack = AddressRange(start: Address(0x7ffd_0000_0000), size: 0x1000)
    private static let loaderPages = AddressRange(start: Address(0x7f00_0000_0000), size: 0x4000)
    private static let data = AddressRange(start: Address(0x5555_0000_0000), size: 0x100)

    /// Rows: 0 held only below SP, 1 above SP, 2 the DTV array, 3 a dynamic TLS block, 4 held
    /// from the loader's pages far below the thread pointer, 5 from module data, 6 from a
    /// register, 7 from nothing.
    private static func row(_ index: UInt64) -> UInt64 { heap + index * 0x100 }

    func testRootsOfAFakeProcess() {
        let memory = WordMemory()
        var builder = AllocationTableBuilder()
        for index in 0..<8 { builder.append(address: Address(Self.row(UInt64(index))), size: 0x40, state: .unknown) }
        let table = builder.build().table
        var heapWords = [UInt64](repeating: 0, count: 8 * 0x100 / 8)
        // The DTV chunk (row 2): 16-byte slots, the length, the generation, then {val, to_free}
        // pairs; the thread descriptor points at the generation. Module 1's block is static,
        // module 2's is row 3, 16 bytes in.
        let threadPointer = Self.loaderPages.start.rawValue + 0x3000
        let dtv = [2, 0, 1, 0, threadPointer - 0x100, 0, Self.row(3) + 16, Self.row(3)]
        for (offset, word) in dtv.enumerated() { heapWords[(2 * 0x100) / 8 + offset] = word }
        memory.map(words: heapWords, at: Self.heap)

        let sp = Self.stack.start.rawValue + 0x800
        var stackWords = [UInt64](repeating: 0, count: 0x1000 / 8)
        stackWords[0x7f8 / 8] = Self.row(0)
        stackWords[0x900 / 8] = Self.row(1)
        memory.map(words: stackWords, at: Self.stack.start.rawValue)

        var loaderWords = [UInt64](repeating: 0, count: 0x4000 / 8)
        loaderWords[0x100 / 8] = Self.row(4)
        loaderWords[0x3008 / 8] = Self.row(2) + 16
        memory.map(words: loaderWords, at: Self.loaderPages.start.rawValue)
        memory.map(words: [0, Self.row(5)] + [UInt64](repeating: 0, count: 30), at: Self.data.start.rawValue)

        let thread = NativeRoots.ThreadState(tid: 7, registers: [Self.row(6) + 8, 0], sp: sp, fsBase: threadPointer)
        let mappings = [Self.stack, Self.loaderPages, Self.data, AddressRange(start: Address(Self.heap), size: 0x800)]
        let roots = NativeRoots(threads: [thread], dataSegments: [.init(module: "/lib/libx.so", range: Self.data)],
                                memory: memory) { address in mappings.first { $0.contains(address) } }
        XCTAssertTrue(roots.warnings.isEmpty, "\(roots.warnings)")
        XCTAssertEqual(Set(roots.rootAllocations), [Self.row(2), Self.row(3), Self.row(3) + 16, threadPointer - 0x100])

        let graph = LeakGraph.build(table: table, memory: memory, roots: roots.roots)
        let kinds = LeakClassifier.classify(table: table, graph: graph, rootRows: roots.rootRows(in: table)).kinds
        XCTAssertEqual(kinds, [.direct, .reachable, .reachable, .reachable, .reachable, .reachable, .possible, .direct])
    }

    func testAStackPointerOutsideEveryMappingIsAWarning() {
        let roots = NativeRoots(threads: [NativeRoots.ThreadState(tid: 9, registers: [], sp: 0x10, fsBase: 0)],
                                dataSegments: [], memory: WordMemory()) { _ in nil }
        XCTAssertEqual(roots.warnings.count, 1)
        XCTAssertTrue(roots.roots.ranges.isEmpty)
    }
}
