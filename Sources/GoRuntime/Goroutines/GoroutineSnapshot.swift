import CoreFile
import ProcessImage
import Symbols

/// One goroutine with everything a report shows about it: its `g`, its
/// unwound stack and the `go` statement that created it.
public struct GoroutineSnapshot: Sendable {
    public var goroutine: Goroutine
    public var stack: Stack
    public var createdBy: GoSourceFrame?
    /// It runs on the thread that took the fatal signal.
    public var tookSignal: Bool
}

extension GoProcess {
    /// Every goroutine with its stack, by id.
    public func snapshots(threads: [ProcessThread], maxFrames: Int = 256) -> [GoroutineSnapshot] {
        let signaledTID = threads.first(where: \.tookSignal)?.tid
        // Thousands of goroutines share a few stacks: keep one copy of each frame list.
        var shared: [[UInt64]: [Frame]] = [:]
        return goroutines.map { goroutine in
            var stack = stack(of: goroutine, threads: threads, maxFrames: maxFrames)
            let key = stack.frames.map { $0.pc.rawValue &+ ($0.isInlined ? 1 << 63 : 0) }
            if let frames = shared[key] { stack.frames = frames } else { shared[key] = stack.frames }
            return GoroutineSnapshot(goroutine: goroutine, stack: stack, createdBy: creationSite(of: goroutine),
                                     tookSignal: goroutine.threadID != nil && goroutine.threadID == signaledTID)
        }.sorted { $0.goroutine.id < $1.goroutine.id }
    }

    /// The goroutine a thread runs: on it, or in a system call from it.
    public func goroutine(runningOn tid: Int32) -> Goroutine? {
        goroutines.first { $0.threadID == tid && [GoroutineStatus.running, GoroutineStatus.syscall].contains($0.status.base) }
    }
}

/// `goroutines --state/--wait-reason/--function`: which goroutines to show.
public struct GoroutineFilter: Sendable {
    /// A status ("running") or a state ("chan receive"), matched whole.
    public var states: [String]
    /// Text within the wait reason.
    public var waitReasons: [String]
    /// Text within the function of any frame.
    public var function: String?

    public init(states: [String] = [], waitReasons: [String] = [], function: String? = nil) {
        self.states = states
        self.waitReasons = waitReasons
        self.function = function
    }

    public func accepts(_ snapshot: GoroutineSnapshot) -> Bool {
        let goroutine = snapshot.goroutine
        return (states.isEmpty || states.contains { goroutine.status.name == $0 || goroutine.stateName == $0 })
            && (waitReasons.isEmpty || waitReasons.contains { goroutine.waitReason?.contains($0) == true })
            && (function.map { name in snapshot.stack.frames.contains { $0.function?.contains(name) == true } } ?? true)
    }
}
