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
    let cache: GoFrameCache

    /// Functions where a goroutine's or thread's stack legitimately begins (mcall runs on
    /// g0 and never returns there; the goroutine it parked has its own stack).
    static let outermostFunctions: Set<String> = [
        "runtime.goexit", "runtime.mstart", "runtime.mstart0", "runtime.rt0_go", "runtime.morestack", "runtime.mcall",
    ]
    /// Calls the runtime injects into an interrupted goroutine (a fault, an async
    /// preemption, a debugger call): the pc they "return" to was interrupted, not
    /// calling, so it is looked up exactly rather than at pc - 1.
    static let injectedCalls: Set<String> = ["runtime.sigpanic", "runtime.asyncPreempt", "runtime.debugCallV2"]
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
            guard let entry = cache.entry(pc: pc, exact: exact, symbols: symbols) else {
                walk.stopReason = "pc \(pc.hex) is not in Go code"
                break
            }
            let function = entry.function
            let frames = entry.frames
            walk.frames += frames
            walk.stackPointers += Array(repeating: sp, count: frames.count)
            physicalFrames += 1
            if GoStackWalker.outermostFunctions.contains(function.name) { break }
            if physicalFrames >= maxFrames {
                walk.stopReason = "stopped after \(maxFrames) frames"
                walk.truncated = true
                break
            }
            guard let delta = entry.stackPointerDelta, delta >= 0 else {
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
            (pc, sp, exact) = (callerPC, callerSP, GoStackWalker.injectedCalls.contains(function.name))
        }
        return walk
    }
}

/// Symbolized frames by pc. Goroutines share a few dozen distinct pcs (ten
/// thousand blocked in the same place share all of them), so each pc is
/// decoded from the pclntab once.
final class GoFrameCache {
    struct Entry {
        var function: GoFunction
        var frames: [Frame]
        var stackPointerDelta: Int64?
    }

    private struct Key: Hashable {
        var pc: UInt64
        var exact: Bool
    }

    private var entries: [Key: Entry?] = [:]

    func entry(pc: Address, exact: Bool, symbols: GoSymbolTable) -> Entry? {
        let key = Key(pc: pc.rawValue, exact: exact)
        if let cached = entries[key] { return cached }
        let lookup = exact ? pc : pc.retreated(by: 1)
        let entry = symbols.function(containing: lookup).map { function in
            Entry(function: function,
                  frames: symbols.frames(at: pc, isReturnAddress: !exact).map {
                      Frame(pc: pc, isActivation: exact, function: $0.function, module: nil, file: $0.file, line: $0.line, isInlined: $0.isInlined)
                  },
                  stackPointerDelta: symbols.stackPointerDelta(at: lookup))
        }
        entries[key] = .some(entry)
        return entry
    }
}
