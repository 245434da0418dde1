import Analysis
import CoreFile
import ProcessImage

extension GoMarkRoots {
    /// Adds a goroutine's stack from `sp` to its top, one range per frame, each labeled by the
    /// goroutine and the function of the frame whose part of the stack holds the words.
    ///
    /// A frame owns the words from its stack pointer up to its caller's. The words below the
    /// innermost frame (what a callee left, or the whole stack when the walk fails) go to the
    /// innermost frame, so the ranges cover exactly the stack the unlabeled scan read. The
    /// frames share the group "goroutine N": the stack is scanned conservatively, so a callee's
    /// dead slot may still hold a copy of a caller's pointer, and only the goroutine as a
    /// whole then retains what they both reach.
    mutating func addFrames(of goroutine: Goroutine, from sp: Address, go: GoProcess, threads: [ProcessThread]) {
        let stack = goroutine.stack
        let walk = go.stackWalk(of: goroutine, threads: threads)
        // One entry per physical frame: inlined frames share their caller's stack pointer, and
        // the last of them is the function the frame belongs to.
        var frames: [(sp: Address, function: String)] = []
        for (frame, frameSP) in zip(walk.frames, walk.stackPointers) where stack.contains(frameSP) {
            let function = frame.function ?? "?"
            if let last = frames.last, last.sp == frameSP {
                frames[frames.count - 1].function = function
            } else if frames.last.map({ $0.sp < frameSP }) ?? true {
                frames.append((frameSP, function))
            }
        }
        let state = goroutine.stateName
        guard !frames.isEmpty else {
            let label = roots.addLabel(RootLabel(kind: .goroutine, name: "goroutine \(goroutine.id)",
                                                 detail: "\(state), stack not walked: \(walk.stopReason ?? "no frames")",
                                                 group: "goroutine \(goroutine.id)"))
            roots.ranges.append(MarkRoots.Range(AddressRange(start: sp, end: stack.end), label: label))
            return
        }
        var start = sp
        for (index, frame) in frames.enumerated() {
            let end = index + 1 < frames.count ? frames[index + 1].sp : stack.end
            guard end > start else { continue }
            let label = roots.addLabel(RootLabel(kind: .goroutine, name: "goroutine \(goroutine.id) \(frame.function)",
                                                 detail: state, group: "goroutine \(goroutine.id)"))
            roots.ranges.append(MarkRoots.Range(AddressRange(start: start, end: end), label: label))
            start = end
        }
    }
}
