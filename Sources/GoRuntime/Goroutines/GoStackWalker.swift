import CoreFile
import ProcessImage
import Symbols

/// Unwinds Go stacks the way the runtime's own traceback does: the pcsp
/// table gives each frame's size, so the return address is found at
/// `sp + size` without DWARF CFI or frame pointers. This is what makes
/// stripped (`-s -w`) binaries unwind.
struct GoStackWalker {
    let symbols: GoSymbolTable
    let memory: MemoryReader

    /// Functions where a goroutine's or thread's stack legitimately begins (mcall runs on
    /// g0 and never returns there; the goroutine it parked has its own stack).
    static let outermostFunctions: Set<String> = [
        "runtime.goexit", "runtime.mstart", "runtime.mstart0", "runtime.rt0_go", "runtime.morestack", "runtime.mcall",
    ]
    /// The runtime's signal entry: the kernel's signal frame sits just above it,
    /// holding the registers of the code the signal interrupted.
    static let signalTrampoline = "runtime.sigtramp"

    struct Walk {
        var frames: [Frame] = []
        /// The stack pointer of each frame in `frames` (inlined frames share their caller's).
        var stackPointers: [Address] = []
        var stopReason: String?
        var truncated = false
    }

    /// - Parameters:
    ///   - exact: true when `pc` is the exact instruction (a thread stopped or
    ///     interrupted there); false when it is a return or resume address, which
    ///     is looked up at `pc - 1` as the runtime does.
    ///   - bounds: the goroutine's stack; frames must stay inside it. Nil for a
    ///     thread's stack, which may cross from a signal stack to a goroutine's.
    func walk(pc startPC: Address, sp startSP: Address, exact startExact: Bool, bounds: AddressRange?, maxFrames: Int) -> Walk {
        var walk = Walk()
        var pc = startPC
        var sp = startSP
        var exact = startExact
        var physicalFrames = 0
        while true {
            let lookup = exact ? pc : pc.retreated(by: 1)
            guard let function = symbols.function(containing: lookup) else {
                walk.stopReason = "pc \(pc.hex) is not in Go code"
                break
            }
            let frames = symbols.frames(at: pc, isReturnAddress: !exact).map { frame(pc: pc, exact: exact, $0) }
            walk.frames += frames
            walk.stackPointers += Array(repeating: sp, count: frames.count)
            physicalFrames += 1
            if GoStackWalker.outermostFunctions.contains(function.name) { break }
            if physicalFrames >= maxFrames {
                walk.stopReason = "stopped after \(maxFrames) frames"
                walk.truncated = true
                break
            }
            guard let delta = symbols.stackPointerDelta(at: lookup), delta >= 0 else {
                walk.stopReason = "no frame size for \(function.name) at \(pc.hex)"
                walk.truncated = true
                break
            }
            let returnSlot = sp.advanced(by: UInt64(delta))
            if function.name == GoStackWalker.signalTrampoline {
                guard let interrupted = try? X86_64SignalFrame.interruptedRegisters(returnSlot: returnSlot, memory: memory) else {
                    walk.stopReason = "cannot read the signal frame at \(returnSlot.hex)"
                    walk.truncated = true
                    break
                }
                (pc, sp, exact) = (interrupted.pc, interrupted.sp, true)
                continue
            }
            guard let callerPC = try? memory.readPointer(at: returnSlot) else {
                walk.stopReason = "cannot read the return address at \(returnSlot.hex)"
                walk.truncated = true
                break
            }
            let callerSP = returnSlot.advanced(by: 8)
            if let bounds, !(bounds.contains(callerSP) || callerSP == bounds.end) {
                walk.stopReason = "the unwind left the goroutine's stack \(bounds) at sp \(callerSP.hex)"
                walk.truncated = true
                break
            }
            if callerPC == .zero { break }
            (pc, sp, exact) = (callerPC, callerSP, false)
        }
        return walk
    }

    private func frame(pc: Address, exact: Bool, _ source: GoSourceFrame) -> Frame {
        Frame(pc: pc, isActivation: exact, function: source.function, module: nil, file: source.file, line: source.line,
              isInlined: source.isInlined)
    }
}
