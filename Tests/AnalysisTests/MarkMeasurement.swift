import Analysis
import BitCollections
import CoreFile
import Dispatch
import Foundation
import XCTest

/// Prints how long marking a large synthetic heap takes; asserts only that the answers agree.
///
/// The suite runs it on 200,000 rows. For the figure, run it on a Go-heap-sized table in a
/// release build:
/// `ANALYSIS_MEASURE_ROWS=3000000 swift test -c release -Xswiftc -enable-testing --filter MarkMeasurement`
final class MarkMeasurement: XCTestCase {
    private static let base: UInt64 = 0xc000_0000_00

    /// 32-byte objects back to back. Word 0 points to the next object, so the heap holds one
    /// list as long as the table; word 1 points inside a random object; words 2 and 3 hold a
    /// small integer and zero, which conservative scanning must reject.
    private func makeHeap(rows: Int) -> (AllocationTable, WordMemory, MarkRoots) {
        var random = SplitMix64(seed: 2026)
        var builder = AllocationTableBuilder()
        builder.reserveCapacity(rows)
        for row in 0..<rows {
            builder.append(address: Address(Self.base + UInt64(row) * 32), size: 32, state: .unknown,
                           allocatorWord: 0b11)
        }
        var words = [UInt64](repeating: 0, count: rows * 4)
        for row in 0..<rows {
            words[row * 4] = row + 1 < rows ? Self.base + UInt64(row + 1) * 32 : 0
            words[row * 4 + 1] = Self.base + UInt64.random(in: 0..<UInt64(rows) * 32, using: &random)
            words[row * 4 + 2] = UInt64(row)
        }
        let memory = WordMemory()
        memory.map(words: words, at: Self.base)
        // Roots in the second half: the list keeps only what follows them alive, plus what
        // the random pointers reach.
        let roots = MarkRoots(words: (0..<1000).map { _ in
            Self.base + UInt64.random(in: UInt64(rows) / 2..<UInt64(rows), using: &random) * 32
        })
        return (builder.build().table, memory, roots)
    }

    /// Prints wall time and the CPU time of all threads: on a shared machine the wall time
    /// also counts the other processes' turns.
    private func time<Result>(_ label: String, _ body: () -> Result) -> Result {
        let start = DispatchTime.now().uptimeNanoseconds
        let cpuStart = processCPUTime()
        let result = body()
        let wall = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        let cpu = (processCPUTime() - cpuStart) * 1e3
        print("MarkMeasurement: \(label): \(String(format: "%.0f", wall)) ms wall, \(String(format: "%.0f", cpu)) ms CPU")
        return result
    }

    private func processCPUTime() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    func testMarkALargeHeap() {
        let rows = ProcessInfo.processInfo.environment["ANALYSIS_MEASURE_ROWS"].flatMap { Int($0) } ?? 200_000
        let (table, memory, roots) = time("build \(rows) rows and their memory") { makeHeap(rows: rows) }
        let conservative = { (threads: Int) in
            self.time("conservative mark, \(threads) thread(s)") {
                Marker(table: table, memory: memory, pointers: ConservativePointers(), threads: threads).mark(from: roots)
            }
        }
        let one = conservative(1)
        let two = conservative(2)
        XCTAssertEqual(one.marked, two.marked)
        XCTAssertGreaterThan(BitSet(two.marked).count, rows / 2)
        let exact = time("exact-mask mark, 2 threads") {
            Marker(table: table, memory: memory, pointers: MaskFromAllocatorWord(), threads: 2).mark(from: roots)
        }
        XCTAssertEqual(exact.marked, two.marked)
        let graph = time("object graph, 2 threads") {
            ObjectGraph.build(table: table, memory: memory, pointers: ConservativePointers(), roots: roots)
        }
        print("MarkMeasurement: \(graph.edgeCount) edges")
        let fromGraph = time("mark over the graph") { graph.reachableRows() }
        XCTAssertEqual(fromGraph, two.marked)
        let histogram = time("histogram by type") { Histogram(byTypeOf: table) }
        XCTAssertEqual(histogram.total.unknown.count, UInt64(rows))
    }
}

/// Reads exact masks from the rows' allocator words, as a Go walker would keep heap bits.
struct MaskFromAllocatorWord: PointerMap {
    func pointerWords(ofRow row: Int, in table: AllocationTable) -> PointerWords {
        .mask(table.allocatorWords[row])
    }
}
