import Atomics
import Foundation

/// Work shared between the mark workers, with termination detection.
///
/// Each worker drains its own stack and only touches the pool when it runs dry or when
/// another worker is waiting for work, so the lock is rare. Work is done when the pool is
/// empty and no worker holds any: then nobody can produce more.
///
/// A worker never waits for a worker that has not started: Dispatch may run the
/// `concurrentPerform` iterations one after the other on a busy machine, and a late worker
/// then finds the work done. So "busy" counts only workers that hold work.
final class WorkPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [Int]
    private var busyWorkers = 0
    private var finished = false
    private let waiting = ManagedAtomic<Int>(0)

    init(items: [Int]) {
        // Taken from the end: reverse so that the first root is scanned first.
        self.items = items.reversed()
    }

    /// Whether some worker waits for work; a worker with a deep stack then shares it.
    var hasWaitingWorkers: Bool { waiting.load(ordering: .relaxed) > 0 }

    /// Moves up to `limit` items into `stack`. `holdingWork` says whether the caller counted
    /// as busy (it has just run dry). Returns false when all the work is done.
    func take(into stack: inout [Int], limit: Int, holdingWork: Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if holdingWork { busyWorkers -= 1 }
        while true {
            if finished { return false }
            if !items.isEmpty {
                let taken = min(limit, items.count)
                stack.append(contentsOf: items[(items.count - taken)...])
                items.removeLast(taken)
                busyWorkers += 1
                return true
            }
            if busyWorkers == 0 {
                finished = true
                condition.broadcast()
                return false
            }
            waiting.wrappingIncrement(ordering: .relaxed)
            condition.wait()
            waiting.wrappingDecrement(ordering: .relaxed)
        }
    }

    /// Moves the older half of `stack` to the pool for a waiting worker.
    func share(from stack: inout [Int]) {
        let half = stack.count / 2
        guard half > 0 else { return }
        condition.lock()
        items.append(contentsOf: stack[..<half])
        condition.signal()
        condition.unlock()
        stack.removeFirst(half)
    }
}
