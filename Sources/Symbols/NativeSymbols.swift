import CoreFile
import ProcessImage

/// Native (C, C++, and any code with CFI) unwinding and symbolization for
/// one process, on libdwfl.
///
/// libdw is not thread-safe: use one `NativeSymbols` per thread of ours.
public final class NativeSymbols {
    private let session: DwflSession
    private let modulesByName: [String: Module]
    /// Why threads cannot be unwound at all, if attaching failed.
    public let attachError: String?
    private var symbolCache: [FrameCollector.RawFrame: [Frame]] = [:]

    public init(process: ProcessImage, search: FileSearch = FileSearch()) throws {
        session = try DwflSession(process: process, search: search)
        modulesByName = Dictionary(process.modules.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let threads = process.threads.map {
            UnwindThread(tid: $0.tid, dwarfRegisters: X86_64DWARFRegisters.values(from: $0.registers))
        }
        let pid = process.processInfo?.pid ?? process.threads.first?.tid ?? 1
        do {
            try session.attach(threads: threads, memory: process.memory, pid: pid)
            attachError = nil
        } catch {
            attachError = "\(error)"
        }
    }

    /// Unwinds and symbolizes one thread. Inlined calls become frames of their own.
    public func stack(of thread: ProcessThread, maxFrames: Int = 256) -> Stack {
        let walk = physicalFrames(of: thread, maxFrames: maxFrames)
        return Stack(frames: walk.frames.flatMap { frames(at: $0.pc, isActivation: $0.isActivation) },
                     stopReason: walk.stopReason, truncated: walk.truncated)
    }

    /// A frame as the unwinder found it, before symbolization.
    public struct PhysicalFrame: Sendable {
        public var pc: Address
        public var sp: Address?
        public var isActivation: Bool
    }

    /// The thread's frames as CFI unwinding finds them, with stack pointers, so
    /// another unwinder (Go's) can take over part way.
    public func physicalFrames(of thread: ProcessThread, maxFrames: Int = 256) -> (frames: [PhysicalFrame], stopReason: String?, truncated: Bool) {
        if let attachError {
            return ([PhysicalFrame(pc: thread.pc, sp: thread.sp, isActivation: true)], attachError, true)
        }
        let collector = FrameCollector(limit: maxFrames)
        let error = withExtendedLifetime(collector) {
            ElfUtils.threadFrames(session.handle, tid: thread.tid, context: Unmanaged.passUnretained(collector).toOpaque(),
                                  callback: FrameCollector.callback)
        }
        let frames = zip(collector.frames, collector.stackPointers).map {
            PhysicalFrame(pc: Address($0.pc), sp: $1.map { Address($0) }, isActivation: $0.isActivation)
        }
        var stopReason = error
        if collector.looped { stopReason = "the unwind looped (same frame twice); stopped" }
        if collector.hitLimit { stopReason = "stopped after \(maxFrames) frames" }
        return (frames, stopReason, collector.looped || collector.hitLimit)
    }

    /// The frames at one pc: the function containing it, preceded by any
    /// functions inlined into it there (innermost first), as `eu-stack -i -s` shows them.
    public func frames(at pc: Address, isActivation: Bool) -> [Frame] {
        let key = FrameCollector.RawFrame(pc: pc.rawValue, isActivation: isActivation)
        if let cached = symbolCache[key] { return cached }
        let frames = symbolize(pc: pc, isActivation: isActivation)
        symbolCache[key] = frames
        return frames
    }

    private func symbolize(pc: Address, isActivation: Bool) -> [Frame] {
        var frame = Frame(pc: pc, isActivation: isActivation)
        let lookup = frame.lookupPC.rawValue
        guard let module = ElfUtils.module(at: lookup, in: session.handle) else { return [frame] }
        frame.module = ElfUtils.moduleName(module)
        let symbol = ElfUtils.symbol(at: lookup, in: module)
        frame.offset = symbol?.offset

        guard let (unit, bias) = ElfUtils.compileUnit(at: lookup, in: module),
              let function = ElfUtils.scopes(in: unit, at: lookup &- bias).first(where: { $0.isFunctionLike && ElfUtils.functionName(of: $0) != nil })
        else {
            frame.function = symbol.map { Demangler.demangle($0.name) }
            return [frame.located(at: ElfUtils.sourceLine(at: lookup, in: module))]
        }

        // The innermost function's location is the line table's; each enclosing
        // function's is the call site of the function inlined into it.
        var frames: [Frame] = []
        var inner = frame
        inner.function = ElfUtils.functionName(of: function).map(Demangler.demangle)
        inner.isInlined = function.tag == DebugInfoEntry.inlinedSubroutine
        frames.append(inner.located(at: ElfUtils.sourceLine(at: lookup, in: module)))
        var callee = function
        for scope in ElfUtils.enclosingScopes(of: function).dropFirst() where scope.isFunctionLike {
            var outer = frame
            outer.function = ElfUtils.functionName(of: scope).map(Demangler.demangle)
            outer.isInlined = scope.tag == DebugInfoEntry.inlinedSubroutine
            frames.append(outer.located(at: ElfUtils.callSite(of: callee, unit: unit)))
            if scope.tag == DebugInfoEntry.subprogram { break }
            callee = scope
        }
        // The symbol offset belongs to the real (outermost) function only.
        for index in frames.indices.dropLast() { frames[index].offset = nil }
        return frames
    }

    /// The ELF symbol covering a data or code address (a global variable, a function), and
    /// the offset into it; nil where the module's symbol table has none.
    public func symbol(containing address: Address) -> (name: String, offset: UInt64)? {
        ElfUtils.module(at: address.rawValue, in: session.handle).flatMap { ElfUtils.symbol(at: address.rawValue, in: $0) }
    }

    func moduleHandle(for module: Module) -> DwflModuleHandle? { session.moduleHandles[module.base] }

    /// The DWARF file libdw uses for a module: its own, a separate debug file, or none.
    public func debugInfo(for module: Module) -> DebugInfoStatus {
        guard let handle = moduleHandle(for: module) else { return .none }
        guard ElfUtils.moduleHasDwarf(handle) else { return .none }
        if let file = ElfUtils.moduleDebugFile(handle) { return .separate(path: file) }
        return .embedded
    }
}

extension NativeSymbols {
    /// One note per module that named frames of `stacks` without DWARF: its
    /// frames come from the ELF symbol table, without source lines or inlined
    /// calls. This is what stripped files allow, not a failure, so it is a
    /// note. `goExecutable` is left out: the pclntab names its frames.
    public func debugInfoNotes(for stacks: [Stack], process: ProcessImage, goExecutable: Module? = nil) -> [Note] {
        let used = Set(stacks.flatMap { $0.frames.compactMap(\.module) })
        return process.modules
            .filter { used.contains($0.name) && $0.kind != .vdso && $0.base != goExecutable?.base && !debugInfo(for: $0).hasDebugInfo }
            .map { Note("\($0.located?.path ?? $0.name): no debug info; names come from the ELF symbol table, without source lines or inlined calls",
                        kind: .noDebugInfo) }
    }
}

public enum DebugInfoStatus: Sendable, Equatable {
    case embedded
    case separate(path: String)
    case none

    public var hasDebugInfo: Bool { self != .none }
}

extension Frame {
    func located(at location: SourceLocation?) -> Frame {
        var frame = self
        if let location {
            frame.file = location.file
            frame.line = location.line > 0 ? location.line : nil
            frame.column = location.column > 0 ? location.column : nil
        }
        return frame
    }
}
