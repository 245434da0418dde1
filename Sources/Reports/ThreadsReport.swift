import CoreFile
import GoRuntime
import ProcessImage
import Symbols

/// `coreinspect threads`: every OS thread with its stack.
public struct ThreadsReport: Encodable {
    public struct ThreadEntry: Encodable {
        public var tid: Int32
        public var name: String?
        public var tookSignal: Bool
        public var signal: SignalSummary?
        public var registers: [String: String]?
        public var frames: [FrameEntry]
        public var stopReason: String?
        public var truncated: Bool
        /// In a Go program, the goroutine this thread runs.
        public var goroutine: GoroutineOnThread?
    }

    public struct GoroutineOnThread: Encodable {
        public var id: Int64
        public var state: String
    }

    public struct FrameEntry: Encodable {
        public var index: Int
        public var pc: String
        public var function: String?
        public var offset: UInt64?
        public var module: String?
        public var file: String?
        public var line: Int?
        public var column: Int?
        public var inlined: Bool
    }

    public var pid: Int32?
    public var threads: [ThreadEntry]
    /// Every goroutine too, with `threads --goroutines` on a Go program.
    public var goroutines: GoroutinesReport?

    /// - Parameter go: the Go runtime, for a Go program: threads in Go code are
    ///   walked with the pclntab (which needs no DWARF) and name their goroutine.
    public init(process: ProcessImage, symbols: NativeSymbols, go: GoProcess? = nil, includeRegisters: Bool, maxFrames: Int,
                includeGoroutines: Bool = false) {
        pid = process.processInfo?.pid
        threads = process.threads.map { thread in
            let stack = go?.threadStack(thread, native: symbols, maxFrames: maxFrames) ?? symbols.stack(of: thread, maxFrames: maxFrames)
            let goroutine = go?.goroutines.first { $0.threadID == thread.tid && [GoroutineStatus.running, GoroutineStatus.syscall].contains($0.status.base) }
            let registers = includeRegisters
                ? Dictionary(thread.registers.named.map { ($0.name, Address($0.value).hex) }, uniquingKeysWith: { first, _ in first })
                : nil
            return ThreadEntry(tid: thread.tid, name: thread.name, tookSignal: thread.tookSignal,
                               signal: thread.tookSignal ? thread.signal.map(SignalSummary.init) : nil,
                               registers: registers,
                               frames: stack.frames.enumerated().map { FrameEntry($1, index: $0) },
                               stopReason: stack.stopReason, truncated: stack.truncated,
                               goroutine: goroutine.map { GoroutineOnThread(id: $0.id, state: $0.stateName) })
        }
        if includeGoroutines, let go {
            goroutines = GoroutinesReport(process: process, go: go, filter: GoroutinesReport.Filter(), group: false, maxFrames: maxFrames)
        }
    }

    public func text(style: TextStyle, registerOrder: [String] = X86_64UserRegisters.names) -> String {
        var out: [String] = []
        for thread in threads {
            var title = "Thread \(thread.tid)"
            if let name = thread.name { title += " \"\(name)\"" }
            if let goroutine = thread.goroutine { title += "  goroutine \(goroutine.id) [\(goroutine.state)]" }
            if thread.tookSignal {
                let signal = thread.signal.map { " \($0.name)" } ?? ""
                title += style.red("  <- took the signal\(signal)")
            }
            out.append(style.bold(title))
            for frame in thread.frames { out.append(frame.text(style: style)) }
            if let reason = thread.stopReason { out.append(style.yellow("    (\(reason))")) }
            if let registers = thread.registers {
                let cells = registerOrder.compactMap { name in registers[name].map { "\(name.padded(to: 8))\($0)" } }
                stride(from: 0, to: cells.count, by: 3).forEach { start in
                    out.append("    " + cells[start..<min(start + 3, cells.count)]
                        .map { $0.padded(to: 30) }.joined())
                }
            }
            out.append("")
        }
        if let goroutines { out.append(goroutines.text(style: style)) }
        return out.joined(separator: "\n")
    }
}

extension ThreadsReport.FrameEntry {
    init(_ frame: Frame, index: Int) {
        self.index = index
        pc = frame.pc.hex
        function = frame.function
        offset = frame.offset
        module = frame.module
        file = frame.file
        line = frame.line
        column = frame.column
        inlined = frame.isInlined
    }

    /// `#3  0x0000…  function+0x12 [inlined] (module) file:line`
    func text(style: TextStyle) -> String {
        let number = "#\(index)".padded(to: 4)
        let address = Address(parsing: pc).map(Format.paddedHex) ?? pc
        var text = "  \(number)\(address) "
        text += style.cyan(function ?? "??")
        if let offset, offset > 0 { text += style.dim("+0x" + String(offset, radix: 16)) }
        if inlined { text += style.yellow(" [inlined]") }
        if let module { text += style.dim(" (\(Format.basename(module)))") }
        if let file {
            text += " " + file
            if let line { text += ":\(line)" }
        }
        return text
    }
}

/// A signal, as `info` and `threads` report it.
public struct SignalSummary: Encodable {
    public var number: Int32
    public var name: String
    public var code: Int32
    public var codeName: String
    public var faultAddress: String?
    public var senderPID: Int32?

    init(_ info: SignalInfo) {
        number = info.number
        name = Signal.name(info.number)
        code = info.code
        codeName = info.codeName
        faultAddress = info.faultAddress?.hex
        senderPID = info.senderPID
    }
}

extension ThreadsReport {
    /// An executable without DWARF: its frames are named from the ELF symbol
    /// table and carry no source lines or inlined calls. (System libraries
    /// without debug packages are the norm; `info` lists them.)
    public func warnings(process: ProcessImage, symbols: NativeSymbols, go: GoProcess? = nil) -> [Warning] {
        // Go code needs no DWARF: the pclntab names its frames.
        guard go == nil else { return [] }
        let used = Set(threads.flatMap { $0.frames.compactMap(\.module) })
        return process.modules.filter { used.contains($0.name) && $0.kind == .executable && !symbols.debugInfo(for: $0).hasDebugInfo }
            .map { Warning("\($0.located?.path ?? $0.name): no debug info; names come from the ELF symbol table, without source lines or inlined calls") }
    }
}
