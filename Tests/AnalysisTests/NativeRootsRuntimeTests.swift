import Analysis
import CoreFile
import XCTest

/// A cgo program's native roots: a thread whose SP lies in a Go heap arena (it runs a goroutine)
/// must not have the rest of the arena scanned as its stack; the runtime's live memory comes
/// back as roots of its own.
final class NativeRootsRuntimeTests: XCTestCase {
    private static let arena = AddressRange(start: Address(0xc000_000000), size: 0x10000)
    private static let heap: UInt64 = 0x2000_0000
    private static func row(_ index: UInt64) -> UInt64 { heap + index * 0x100 }

    /// Rows: 0 held by a live Go object, 1 by a goroutine's live frame, 2 only by a dead Go
    /// object further up the arena (garbage), 3 only by the thread's system stack outside it.
    func testTheArenaIsRootedOnlyWhereTheRuntimeSaysItIsLive() {
        let memory = WordMemory()
        var builder = AllocationTableBuilder()
        for index in 0..<4 { builder.append(address: Address(Self.row(UInt64(index))), size: 0x40, state: .unknown) }
        let table = builder.build().table
        memory.map(words: [UInt64](repeating: 0, count: 4 * 0x100 / 8), at: Self.heap)
        var arenaWords = [UInt64](repeating: 0, count: 0x10000 / 8)
        let goroutineSP = Self.arena.start.rawValue + 0x1000
        arenaWords[0x1010 / 8] = Self.row(1)   // the goroutine's frame, above its SP
        arenaWords[0x4008 / 8] = Self.row(0)   // a live object at +0x4000
        arenaWords[0x8008 / 8] = Self.row(2)   // a dead object at +0x8000
        memory.map(words: arenaWords, at: Self.arena.start.rawValue)
        let systemStack = AddressRange(start: Address(0x7ffd_0000_0000), size: 0x1000)
        var stackWords = [UInt64](repeating: 0, count: 0x1000 / 8)
        stackWords[0x10 / 8] = Self.row(3)
        memory.map(words: stackWords, at: systemStack.start.rawValue)

        let mappings = [Self.arena, systemStack, AddressRange(start: Address(Self.heap), size: 0x400)]
        let threads = [NativeRoots.ThreadState(tid: 1, registers: [], sp: goroutineSP, fsBase: 0),
                       NativeRoots.ThreadState(tid: 2, registers: [], sp: systemStack.start.rawValue, fsBase: 0)]
        var roots = NativeRoots(threads: threads, dataSegments: [], memory: memory) { address in mappings.first { $0.contains(address) } }
        func kinds() -> [LeakKind] {
            let graph = LeakGraph.build(table: table, memory: memory, roots: roots.roots)
            return LeakClassifier.classify(table: table, graph: graph, rootRows: roots.rootRows(in: table)).kinds
        }
        // As a plain C program's: the dead object's stale word keeps row 2.
        XCTAssertEqual(kinds(), [.reachable, .reachable, .reachable, .reachable])

        roots.excludeRuntimeMemory([Self.arena])
        XCTAssertEqual(kinds(), [.direct, .direct, .direct, .reachable])
        roots.addRuntimeRoots([AddressRange(start: Address(goroutineSP), end: Address(goroutineSP + 0x100))],
                              label: RootLabel(kind: .goroutine, name: "goroutine 1 stack"))
        roots.addRuntimeRoots([AddressRange(start: Self.arena.start.advanced(by: 0x4000), size: 0x40)],
                              label: RootLabel(kind: .runtime, name: "Go heap"))
        XCTAssertEqual(kinds(), [.reachable, .reachable, .direct, .reachable])
    }

    func testSubtractingKeepsWhatLiesAroundTheHoles() {
        let range = AddressRange(start: Address(0x1000), end: Address(0x9000))
        let holes = [AddressRange(start: Address(0x0), end: Address(0x1800)), AddressRange(start: Address(0x3000), end: Address(0x4000)),
                     AddressRange(start: Address(0x8000), end: Address(0xa000))]
        var roots = NativeRoots(threads: [], dataSegments: [.init(module: "m", range: range)], memory: WordMemory()) { _ in nil }
        roots.excludeRuntimeMemory(holes.reversed())
        XCTAssertEqual(roots.roots.ranges.map(\.range), [AddressRange(start: Address(0x1800), end: Address(0x3000)),
                                                          AddressRange(start: Address(0x4000), end: Address(0x8000))])
        XCTAssertEqual(Set(roots.roots.ranges.map(\.label)).count, 1, "the pieces keep the range's label")
    }
}
