import CoreFile
import GoRuntime
import Symbols

/// `coreinspect threads`: every OS thread with its stack. Takes finished
/// snapshots (GoRuntime's `ThreadSnapshot.all` unwinds them).
public struct ThreadsReport: Encodable {
    struct ThreadEntry: Encodable {
        var snapshot: ThreadSnapshot
        var includeRegisters: Bool

        enum CodingKeys: String, CodingKey { case tid, name, tookSignal, signal, registers, frames, stopReason, truncated, goroutine }
        enum GoroutineKeys: String, CodingKey { case id, state }

        func encode(to encoder: Encoder) throws {
            let thread = snapshot.thread
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(thread.tid, forKey: .tid)
            try container.encodeIfPresent(thread.name, forKey: .name)
            try container.encode(thread.tookSignal, forKey: .tookSignal)
            try container.encodeIfPresent(thread.tookSignal ? thread.signal.map(SignalSummary.init) : nil, forKey: .signal)
            try container.encodeIfPresent(includeRegisters ? registers : nil, forKey: .registers)
            try container.encode(NumberedFrame.numbered(snapshot.stack.frames), forKey: .frames)
            try container.encodeIfPresent(snapshot.stack.stopReason, forKey: .stopReason)
            try container.encode(snapshot.stack.truncated, forKey: .truncated)
            if let goroutine = snapshot.goroutine {
                var nested = container.nestedContainer(keyedBy: GoroutineKeys.self, forKey: .goroutine)
                try nested.encode(goroutine.id, forKey: .id)
                try nested.encode(goroutine.stateName, forKey: .state)
            }
        }

        var registers: [String: String] {
            Dictionary(snapshot.thread.registers.named.map { ($0.name, Address($0.value).hex) }, uniquingKeysWith: { first, _ in first })
        }
    }

    var pid: Int32?
    var threads: [ThreadEntry]
    /// Every goroutine too, with `threads --goroutines` on a Go program.
    var goroutines: GoroutinesReport?

    public init(pid: Int32?, threads: [ThreadSnapshot], includeRegisters: Bool, goroutines: GoroutinesReport? = nil) {
        self.pid = pid
        self.threads = threads.map { ThreadEntry(snapshot: $0, includeRegisters: includeRegisters) }
        self.goroutines = goroutines
    }

    public func text(style: TextStyle, registerOrder: [String] = X86_64UserRegisters.names) -> String {
        var out: [String] = []
        for entry in threads {
            let thread = entry.snapshot.thread
            var title = "Thread \(thread.tid)"
            if let name = thread.name { title += " \"\(name)\"" }
            if let goroutine = entry.snapshot.goroutine { title += "  goroutine \(goroutine.id) [\(goroutine.stateName)]" }
            if thread.tookSignal {
                let signal = thread.signal.map { " \(Signal.name($0.number))" } ?? ""
                title += style.red("  <- took the signal\(signal)")
            }
            out.append(style.bold(title))
            out += entry.snapshot.stack.textLines(style: style)
            if entry.includeRegisters {
                let registers = entry.registers
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
