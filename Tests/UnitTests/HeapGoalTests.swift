@testable import GoRuntime
import XCTest

/// `heapGoal()` in its branches, with figures worked out by hand from
/// mgcpacer.go (the fixtures all run without GOMEMLIMIT, so only the GOGC branch is met there).
final class HeapGoalTests: XCTestCase {
    private let mebibyte: UInt64 = 1 << 20

    private func goal(limit: UInt64 = UInt64(Int64.max), headroomPercent: UInt64? = 3) -> HeapGoal {
        HeapGoal(gcPercentHeapGoal: 200 * mebibyte, sweepDistMinTrigger: 0, triggered: ~0, memoryLimit: limit,
                 heapMarked: 4 * mebibyte, heapFree: 2 * mebibyte, heapAlloc: 8 * mebibyte, mappedReady: 20 * mebibyte,
                 headroomPercent: headroomPercent)
    }

    func testWithoutAMemoryLimitTheGOGCGoalStands() {
        XCTAssertEqual(goal().value, 200 * mebibyte)
    }

    /// 100 MiB limit, 10 MiB of non-heap memory: 90 MiB, less 3% of it (Go 1.21 on).
    func testATighterMemoryLimitLowersTheGoalLessItsHeadroom() {
        let room = 90 * mebibyte
        XCTAssertEqual(goal(limit: 100 * mebibyte).value, room - room / 100 * 3)
    }

    /// Go 1.19 keeps a fixed 1 MiB under the limit.
    func testGo119KeepsOneMebibyteOfHeadroom() {
        XCTAssertEqual(goal(limit: 100 * mebibyte, headroomPercent: nil).value, 89 * mebibyte)
    }

    /// A limit below what is already mapped for other purposes leaves only the marked heap.
    func testALimitBelowNonHeapMemoryFallsBackToTheMarkedHeap() {
        XCTAssertEqual(goal(limit: 5 * mebibyte).value, 4 * mebibyte)
    }

    /// After a trigger, the goal keeps 64 KiB of runway past it.
    func testTheGoalKeepsRunwayPastTheTrigger() {
        var state = goal()
        state.triggered = 200 * mebibyte - 1024
        XCTAssertEqual(state.value, 200 * mebibyte - 1024 + (64 << 10))
        state.sweepDistMinTrigger = 300 * mebibyte
        XCTAssertEqual(state.value, 300 * mebibyte)
    }
}
