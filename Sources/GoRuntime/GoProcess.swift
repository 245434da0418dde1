import CoreFile
import ProcessImage
import Symbols

/// The Go runtime's view of a dumped process: build info, runtime layout,
/// the pclntab, and every goroutine.
public final class GoProcess {
    public let buildInfo: GoBuildInfo
    public let layout: GoRuntimeLayout
    /// "DWARF", "table go1.23.9", or "table go1.19.8 (nearest to go1.20.14)".
    public let layoutSource: String
    /// `runtime.waitReasonStrings`, read from the binary; empty when it was not found.
    public let waitReasons: [String]
    public let symbols: GoSymbolTable
    public let goroutines: [Goroutine]
    /// Where the runtime's globals are, for the heap walkers.
    public let globals: GoRuntimeGlobals
    public let warnings: [Warning]
    private let memory: MemoryReader
    private let frameCache = GoFrameCache()
    private var walker: GoStackWalker { GoStackWalker(symbols: symbols, memory: memory, cache: frameCache) }

    /// - Parameter buildInfo: the build info, when the caller has read it already.
    /// - Throws: `GoRuntimeError.notGo` when the process has no Go build info.
    public init(process: ProcessImage, native: NativeSymbols, buildInfo knownBuildInfo: GoBuildInfo? = nil) throws {
        guard let buildInfo = knownBuildInfo ?? GoBuildInfo.read(from: process), let executable = process.mainExecutable else {
            throw GoRuntimeError.notGo
        }
        self.buildInfo = buildInfo
        memory = process.memory
        var warnings: [Warning] = []
        let bias = process.loadedProgramHeaders(of: executable)?.bias ?? 0
        let dwarf = native.dwarfIndex(for: executable).flatMap { $0.isEmpty ? nil : $0 }
        globals = GoRuntimeGlobals(dwarf: dwarf, bias: bias)

        (layout, layoutSource) = try GoProcess.loadLayout(for: buildInfo, dwarf: dwarf, warnings: &warnings)
        if let reasons = dwarf.flatMap({ WaitReasonStrings.fromDWARF($0, bias: bias, memory: process.memory) })
            ?? WaitReasonStrings.byShape(process: process) {
            waitReasons = reasons
        } else {
            waitReasons = []
            warnings.append(Warning("no wait-reason strings found in the binary (runtime.waitReasonStrings): waiting goroutines show as \"waiting\"", kind: .guessedLayout))
        }

        // The moduledata too is read with the binary's own layout when it has DWARF.
        symbols = try GoSymbolTable(process: process, release: buildInfo.release, layout: layout)
        let reader = try GoroutineReader(memory: process.memory, layout: layout, waitReasons: waitReasons)
        guard let slice = AllGoroutines.sliceAddress(symbolAddress: globals.symbolAddress("runtime.allgs"),
                                                     process: process, reader: reader)
        else { throw GoRuntimeError.notFound(what: "runtime.allgs (no DWARF, and no slice of goroutines found by shape)") }
        let addresses: [Address]
        do {
            addresses = try AllGoroutines.read(slice: slice, memory: process.memory)
        } catch {
            throw GoRuntimeError.corrupt(what: "runtime.allgs at \(slice.hex): \(error)")
        }
        var goroutines: [Goroutine] = []
        var buffer: [UInt8] = []
        var unreadable: [String] = []
        for address in addresses {
            do {
                let goroutine = try reader.read(address, buffer: &buffer)
                if goroutine.status.base != GoroutineStatus.dead { goroutines.append(goroutine) }
            } catch {
                unreadable.append("\(address.hex) (\(error))")
            }
        }
        // One warning, however many: a corrupt list must not flood the output.
        if !unreadable.isEmpty {
            warnings.append(Warning("\(unreadable.count) goroutines are unreadable, skipped: " + unreadable.prefix(5).joined(separator: ", ")
                + (unreadable.count > 5 ? ", …" : ""), kind: .unreadableGoRuntime))
        }
        self.goroutines = goroutines
        self.warnings = warnings
    }

    /// The binary's own layouts when it has DWARF; else its release's table,
    /// or the nearest release's with a warning.
    static func loadLayout(for buildInfo: GoBuildInfo, dwarf: DWARFIndex?, warnings: inout [Warning]) throws -> (GoRuntimeLayout, String) {
        // Messages spell the version as the build info does.
        let goVersion = buildInfo.goVersion
        if let dwarf { return (GoRuntimeLayout(dwarf: dwarf, goVersion: goVersion), "DWARF") }
        guard let release = buildInfo.release, let (table, exact) = GoReleaseTable.nearest(to: release) else {
            throw GoRuntimeError.noLayout(goVersion: goVersion)
        }
        if !exact {
            warnings.append(Warning("\(goVersion) has no runtime layout table here, and the binary has no DWARF; using \(table.release)'s, the nearest: goroutines may be misread", kind: .guessedLayout))
        }
        return (GoRuntimeLayout(table: table, goVersion: goVersion, exact: exact),
                "table \(table.release)" + (exact ? "" : " (nearest to \(goVersion))"))
    }

    /// The Go runtime of a Go program; nil for other programs. A Go program
    /// whose runtime cannot be read adds a warning and gets nil too.
    public static func ifGoProgram(process: ProcessImage, native: NativeSymbols, warnings: inout [Warning]) -> GoProcess? {
        guard let buildInfo = GoBuildInfo.read(from: process) else { return nil }
        do {
            return try GoProcess(process: process, native: native, buildInfo: buildInfo)
        } catch {
            warnings.append(Warning("Go runtime not readable: \(error); showing native stacks only", kind: .unreadableGoRuntime))
            return nil
        }
    }

    /// A goroutine's stack, innermost first, with inlined calls as frames.
    ///
    /// Where it starts: a running goroutine at its thread's registers; one in
    /// a system call at `g.syscallpc/sp`; any other at `g.sched`, where it parked.
    public func stack(of goroutine: Goroutine, threads: [ProcessThread], maxFrames: Int = 256) -> Stack {
        let walk = stackWalk(of: goroutine, threads: threads, maxFrames: maxFrames)
        return Stack(frames: walk.frames, stopReason: walk.stopReason, truncated: walk.truncated)
    }

    /// The walk behind `stack(of:)`, with each frame's stack pointer: the heap's roots are
    /// labeled by the frame whose part of the stack holds them.
    func stackWalk(of goroutine: Goroutine, threads: [ProcessThread], maxFrames: Int = 256) -> GoStackWalker.Walk {
        if goroutine.status.base == GoroutineStatus.running, let thread = threads.first(where: { $0.tid == goroutine.threadID }) {
            // The thread may be in a signal handler on its signal stack; its walk
            // crosses the signal frame, and the goroutine's frames are those on its own stack.
            var walk = walker.walk(pc: thread.pc, sp: thread.sp, exact: true, bounds: nil, maxFrames: maxFrames)
            if let first = walk.stackPointers.firstIndex(where: { goroutine.stack.contains($0) }) {
                walk.frames.removeFirst(first)
                walk.stackPointers.removeFirst(first)
                return walk
            }
        }
        let start: (pc: Address, sp: Address)
        if goroutine.status.base == GoroutineStatus.syscall, goroutine.syscallSP != .zero {
            start = (goroutine.syscallPC, goroutine.syscallSP)
        } else {
            // Parked, or running on g0 (systemstack saved where it left the goroutine).
            start = (goroutine.schedPC, goroutine.schedSP)
        }
        guard start.pc != .zero else { return GoStackWalker.Walk(stopReason: "no saved registers (pc 0)", truncated: true) }
        return walker.walk(pc: start.pc, sp: start.sp, exact: false, bounds: goroutine.stack, maxFrames: maxFrames)
    }

    /// True for compiler-generated wrappers (method value wrappers, go-statement
    /// closures before 1.22), which the runtime's default traceback hides.
    public func isWrapper(_ frame: Frame) -> Bool {
        guard !frame.isInlined else { return false }
        return symbols.function(containing: frame.lookupPC)?.isWrapper ?? false
    }

    /// The runtime names no creator for goroutine 1, which the runtime itself starts.
    public func creationSite(of goroutine: Goroutine) -> GoSourceFrame? {
        guard goroutine.creatorPC != .zero, goroutine.id != 1,
              let frame = frameCache.entry(pc: goroutine.creatorPC, exact: false, symbols: symbols)?.frames.last,
              let function = frame.function
        else { return nil }
        return GoSourceFrame(function: function, file: frame.file, line: frame.line, isInlined: frame.isInlined, pc: frame.pc)
    }

    /// A thread's stack in a Go program. Go code is walked with the pclntab;
    /// a thread that starts outside Go code (in the vDSO, or C called through
    /// cgo) is unwound with CFI until its first Go frame, and Go's walk takes
    /// over there.
    public func threadStack(_ thread: ProcessThread, native: NativeSymbols, maxFrames: Int = 256) -> Stack {
        func goWalk(pc: Address, sp: Address, exact: Bool) -> GoStackWalker.Walk {
            walker.walk(pc: pc, sp: sp, exact: exact, bounds: nil, maxFrames: maxFrames)
        }
        if symbols.function(containing: thread.pc) != nil {
            let walk = goWalk(pc: thread.pc, sp: thread.sp, exact: true)
            return Stack(frames: walk.frames, stopReason: walk.stopReason, truncated: walk.truncated)
        }
        let physical = native.physicalFrames(of: thread, maxFrames: maxFrames)
        let handover = physical.frames.firstIndex { frame in
            frame.sp != nil && symbols.function(containing: frame.isActivation ? frame.pc : frame.pc.retreated(by: 1)) != nil
        }
        guard let handover, let sp = physical.frames[handover].sp else {
            return native.stack(of: thread, maxFrames: maxFrames)
        }
        let nativeFrames = physical.frames[..<handover].flatMap { native.frames(at: $0.pc, isActivation: $0.isActivation) }
        let walk = goWalk(pc: physical.frames[handover].pc, sp: sp, exact: physical.frames[handover].isActivation)
        return Stack(frames: nativeFrames + walk.frames, stopReason: walk.stopReason, truncated: walk.truncated)
    }
}
