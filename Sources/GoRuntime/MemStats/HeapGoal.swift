/// `gcControllerState.heapGoal()`: MemStats.NextGC. The GOGC goal, lowered by
/// the memory limit when that is tighter, else raised to the sweep-distance
/// trigger and to 64 KiB of runway past the last trigger.
struct HeapGoal {
    var gcPercentHeapGoal: UInt64
    var sweepDistMinTrigger: UInt64
    /// `^0` when no GC has been triggered in this cycle.
    var triggered: UInt64
    var memoryLimit: UInt64
    var heapMarked: UInt64
    var heapFree: UInt64
    /// `totalAlloc - totalFree` of the controller, after the mcaches were flushed.
    var heapAlloc: UInt64
    var mappedReady: UInt64
    /// Go 1.19 keeps a fixed 1 MiB of headroom under the limit; 1.21 on keeps 3%, at least 1 MiB.
    var headroomPercent: UInt64?

    var value: UInt64 {
        let limitGoal = memoryLimitGoal
        if limitGoal < gcPercentHeapGoal { return limitGoal }
        var goal = max(gcPercentHeapGoal, sweepDistMinTrigger)
        let minimumRunway: UInt64 = 64 << 10
        if triggered != ~0, goal < triggered &+ minimumRunway { goal = triggered &+ minimumRunway }
        return goal
    }

    /// `memoryLimitHeapGoal`, in the same modular arithmetic as the runtime.
    private var memoryLimitGoal: UInt64 {
        let nonHeapMemory = mappedReady &- heapFree &- heapAlloc
        let overage = mappedReady > memoryLimit ? mappedReady - memoryLimit : 0
        if nonHeapMemory &+ overage >= memoryLimit { return heapMarked }
        var goal = memoryLimit - (nonHeapMemory &+ overage)
        let minimumHeadroom: UInt64 = 1 << 20
        let headroom = headroomPercent.map { max(goal / 100 * $0, minimumHeadroom) } ?? minimumHeadroom
        goal = (goal < headroom || goal - headroom < headroom) ? headroom : goal - headroom
        return max(goal, heapMarked)
    }
}
