import Analysis
import BitCollections
import CoreFile
import XCTest

/// One bitmap for every row: words 0 and 2 of each 3-word element, as an array of
/// `struct { p *T; n int; q *T }` would have.
private struct RepeatingBitmap: PointerMap, @unchecked Sendable {
    let bits: OwnedBytes = {
        let bytes = OwnedBytes(count: 1)
        bytes.mutableBytes[0] = 0b101
        return bytes
    }()

    func pointerWords(ofRow row: Int, in table: AllocationTable) -> PointerWords {
        .bitmap(bits.view, bitCount: 3, elementBytes: 24)
    }
}

final class MarkTests: XCTestCase {
    private func marked(_ heap: SyntheticHeap, _ map: some PointerMap, threads: Int) -> MarkResult {
        Marker(table: heap.table, memory: heap.memory, pointers: map, threads: threads).mark(from: heap.roots)
    }

    private func bits(_ flags: [Bool]) -> BitArray { BitArray(flags) }

    func testConservativeMarkingAgreesWithTheOracleOnRandomHeaps() {
        for seed in 1...16 as ClosedRange<UInt64> {
            let heap = SyntheticHeap(rows: 150 + Int(seed) * 10, seed: seed, oddSizes: seed % 2 == 0)
            let oracle = ReachabilityOracle(table: heap.table, memory: heap.memory)
            let expected = ReachabilityOracle.reachable(rowCount: heap.table.count, roots: oracle.rootRows(heap.roots),
                                                        edges: oracle.edges())
            // Odd seeds read through borrowed views, even seeds through copies: both paths agree with the oracle.
            heap.memory.lendsViews = seed % 2 == 1
            let result = marked(heap, ConservativePointers(), threads: 2)
            XCTAssertEqual(result.marked, bits(expected), "seed \(seed)")
            XCTAssertEqual(result.unreadableChunks, 0)
            // The heaps must exercise the test: some rows reached, some not.
            XCTAssertGreaterThan(BitSet(result.marked).count, 0, "seed \(seed)")
            XCTAssertLessThan(BitSet(result.marked).count, heap.table.count, "seed \(seed)")
        }
    }

    func testExactMasksFollowOnlyTheirWords() {
        for seed in 20...27 as ClosedRange<UInt64> {
            let heap = SyntheticHeap(rows: 200, seed: seed)
            let oracle = ReachabilityOracle(table: heap.table, memory: heap.memory)
            let edges = oracle.edges { row, word in word < 64 && heap.table.allocatorWords[row] >> UInt64(word) & 1 == 1 }
            let expected = ReachabilityOracle.reachable(rowCount: heap.table.count, roots: oracle.rootRows(heap.roots),
                                                        edges: edges)
            XCTAssertEqual(marked(heap, MaskFromAllocatorWord(), threads: 2).marked, bits(expected), "seed \(seed)")
        }
    }

    func testARepeatingBitmapCoversEveryElement() {
        for seed in 30...37 as ClosedRange<UInt64> {
            let heap = SyntheticHeap(rows: 200, seed: seed)
            let oracle = ReachabilityOracle(table: heap.table, memory: heap.memory)
            let edges = oracle.edges { _, word in word % 3 != 1 }
            let expected = ReachabilityOracle.reachable(rowCount: heap.table.count, roots: oracle.rootRows(heap.roots),
                                                        edges: edges)
            XCTAssertEqual(marked(heap, RepeatingBitmap(), threads: 2).marked, bits(expected), "seed \(seed)")
        }
    }

    func testOneTwoAndFourThreadsMarkTheSameRows() {
        // A stack larger than one root piece, so the roots themselves are shared out. The
        // oracle tests above check the answer; this one checks that threads do not change it.
        let heap = SyntheticHeap(rows: 20000, seed: 99, stackWords: 30000, rootWords: 50)
        let one = marked(heap, ConservativePointers(), threads: 1)
        XCTAssertGreaterThan(BitSet(one.marked).count, heap.table.count / 10)
        for threads in [2, 4] {
            for _ in 0..<3 {
                XCTAssertEqual(marked(heap, ConservativePointers(), threads: threads).marked, one.marked,
                               "\(threads) threads")
            }
        }
    }

    func testRootsLargerThanOnePieceAgreeWithTheOracle() {
        let heap = SyntheticHeap(rows: 120, seed: 98, stackWords: 20000, rootWords: 0)
        let oracle = ReachabilityOracle(table: heap.table, memory: heap.memory)
        let expected = ReachabilityOracle.reachable(rowCount: heap.table.count, roots: oracle.rootRows(heap.roots),
                                                    edges: oracle.edges())
        XCTAssertEqual(marked(heap, ConservativePointers(), threads: 2).marked, bits(expected))
    }

    /// A cycle reached through an interior pointer; a row pointed to only one byte past its
    /// end; a row behind a free row; a row whose address sits in an unaligned word.
    func testCyclesInteriorPointersEndPointersFreeRowsAndUnalignedWords() throws {
        var builder = AllocationTableBuilder()
        let base: UInt64 = 0x10000
        for row in 0..<7 {
            builder.append(address: Address(base + UInt64(row) * 0x40), size: 0x20, state: row == 4 ? .free : .unknown)
        }
        let table = builder.build().table
        func start(_ row: Int) -> UInt64 { base + UInt64(row) * 0x40 }
        var words = [UInt64](repeating: 0, count: 7 * 8)
        words[0 * 8 + 1] = start(1) + 0x13     // 0 -> 1, interior
        words[1 * 8 + 0] = start(2)            // 1 -> 2
        words[2 * 8 + 3] = start(0) + 8        // 2 -> 0: a cycle
        words[2 * 8 + 2] = start(3) + 0x20     // one past 3's end: keeps nothing alive
        words[1 * 8 + 2] = start(4)            // 1 -> 4, which is free
        words[4 * 8 + 0] = start(5)            // a free row is not scanned
        words[2 * 8 + 4] = start(6)            // past row 2's 0x20 bytes: not part of the object
        let memory = WordMemory()
        memory.map(words: words, at: base)
        // Row 3's address at byte offset 4 of the root stack, straddling two aligned words.
        var stack = [UInt8](repeating: 0, count: 24)
        withUnsafeBytes(of: start(3).littleEndian) { stack.replaceSubrange(4..<12, with: $0) }
        withUnsafeBytes(of: (start(0) + 0x1f).littleEndian) { stack.replaceSubrange(16..<24, with: $0) }
        memory.map(bytes: stack, at: 0x7000)
        let roots = MarkRoots(ranges: [MarkRoots.Range(AddressRange(start: Address(0x7000), size: 24))])
        for threads in [1, 2] {
            let result = Marker(table: table, memory: memory, pointers: ConservativePointers(), threads: threads)
                .mark(from: roots)
            XCTAssertEqual(Array(result.marked), [true, true, true, false, false, false, false], "\(threads) threads")
        }
    }

    func testRootWordsAndUnreadableRootsAreReported() throws {
        let heap = SyntheticHeap(rows: 50, seed: 5, stackWords: 0, rootWords: 0)
        let target = try XCTUnwrap((0..<heap.table.count).first { heap.table.states[$0] != .free })
        let roots = MarkRoots(ranges: [MarkRoots.Range(AddressRange(start: Address(0xdead_0000), size: 64))],
                              words: [heap.table.addresses[target] + 1])
        let result = Marker(table: heap.table, memory: heap.memory, pointers: MaskFromAllocatorWord(), threads: 2)
            .mark(from: roots)
        XCTAssertTrue(result.marked[target])
        XCTAssertEqual(result.unreadableChunks, 1)
    }

    func testAnAllocationOutsideTheCoreIsMarkedButNotScanned() {
        var builder = AllocationTableBuilder()
        builder.append(address: Address(0x1000), size: 16, state: .unknown)
        builder.append(address: Address(0x9000), size: 16, state: .unknown)
        builder.append(address: Address(0xa000), size: 16, state: .unknown)
        let table = builder.build().table
        let memory = WordMemory()
        memory.map(words: [0x9008, 0], at: 0x1000)
        memory.map(words: [0x1000, 0], at: 0xa000)
        let roots = MarkRoots(words: [0x1000])
        let result = Marker(table: table, memory: memory, pointers: ConservativePointers()).mark(from: roots)
        XCTAssertEqual(Array(result.marked), [true, true, false])
        XCTAssertEqual(result.unreadableChunks, 1)
        let graph = ObjectGraph.build(table: table, memory: memory, pointers: ConservativePointers(), roots: roots)
        XCTAssertEqual(graph.unreadableChunks, 1)
        XCTAssertEqual(graph.successors(of: 2).map { Int($0) }, [0])
    }

    func testMarkingAnEmptyTableMarksNothing() {
        let memory = WordMemory()
        memory.map(words: [0xc000_0000_00, 8, 16], at: 0x1000)
        let roots = MarkRoots(ranges: [MarkRoots.Range(AddressRange(start: Address(0x1000), size: 24))], words: [1, 2])
        let result = Marker(table: .empty, memory: memory, pointers: ConservativePointers()).mark(from: roots)
        XCTAssertEqual(result.marked.count, 0)
    }

    func testApplyingMarksSplitsAllocatedRowsIntoLiveAndGarbage() {
        var heap = SyntheticHeap(rows: 300, seed: 11)
        let result = marked(heap, ConservativePointers(), threads: 2)
        let before = heap.table.states
        heap.table.applyMarks(result.marked)
        for row in 0..<heap.table.count {
            let expected: AllocationState = before[row] == .free ? .free : (result.marked[row] ? .live : .garbage)
            XCTAssertEqual(heap.table.states[row], expected)
        }
    }
}
