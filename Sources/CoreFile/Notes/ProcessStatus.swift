/// NT_PRSTATUS (`struct elf_prstatus`, 336 bytes on x86_64): one thread's
/// ids, signal state and general registers.
public struct ProcessStatus: Sendable, NamedFields {
    public static let size: UInt64 = 336

    public var signalNumber: Int32
    public var signalCode: Int32
    public var signalErrno: Int32
    /// `pr_cursig`: the signal this thread was handling; non-zero marks the thread that took it.
    public var currentSignal: Int16
    public var pendingSignals: UInt64
    public var heldSignals: UInt64
    public var tid: Int32
    public var ppid: Int32
    public var processGroup: Int32
    public var session: Int32
    public var userTime: Double
    public var systemTime: Double
    public var childUserTime: Double
    public var childSystemTime: Double
    /// `pr_reg`, in the kernel's `user_regs_struct` order.
    public var registers: [UInt64]
    public var fpValid: Int32

    public init(descriptor view: ByteView, path: String) throws {
        guard view.contains(offset: 0, count: ProcessStatus.size) else {
            throw CoreInspectError.malformed(path: path, what: "NT_PRSTATUS is \(view.count) bytes, expected \(ProcessStatus.size)")
        }
        func timeval(_ offset: Int) -> Double {
            Double(view.loadUnchecked(Int64.self, at: offset)) + Double(view.loadUnchecked(Int64.self, at: offset + 8)) / 1e6
        }
        signalNumber = view.loadUnchecked(Int32.self, at: 0)
        signalCode = view.loadUnchecked(Int32.self, at: 4)
        signalErrno = view.loadUnchecked(Int32.self, at: 8)
        currentSignal = view.loadUnchecked(Int16.self, at: 12)
        pendingSignals = view.loadUnchecked(UInt64.self, at: 16)
        heldSignals = view.loadUnchecked(UInt64.self, at: 24)
        tid = view.loadUnchecked(Int32.self, at: 32)
        ppid = view.loadUnchecked(Int32.self, at: 36)
        processGroup = view.loadUnchecked(Int32.self, at: 40)
        session = view.loadUnchecked(Int32.self, at: 44)
        userTime = timeval(48)
        systemTime = timeval(64)
        childUserTime = timeval(80)
        childSystemTime = timeval(96)
        registers = (0..<X86_64UserRegisters.count).map { view.loadUnchecked(UInt64.self, at: 112 + 8 * $0) }
        fpValid = view.loadUnchecked(Int32.self, at: 328)
    }

    public var fields: [NoteField] {
        var fields = [
            NoteField("info.si_signo", "\(signalNumber)"),
            NoteField("info.si_code", "\(signalCode)"),
            NoteField("info.si_errno", "\(signalErrno)"),
            NoteField("cursig", "\(currentSignal)"),
            NoteField("sigpend", hex(pendingSignals)),
            NoteField("sighold", hex(heldSignals)),
            NoteField("pid", "\(tid)"),
            NoteField("ppid", "\(ppid)"),
            NoteField("pgrp", "\(processGroup)"),
            NoteField("sid", "\(session)"),
            NoteField("utime", String(format6: userTime)),
            NoteField("stime", String(format6: systemTime)),
            NoteField("cutime", String(format6: childUserTime)),
            NoteField("cstime", String(format6: childSystemTime)),
        ]
        for (name, value) in zip(X86_64UserRegisters.names, registers) {
            fields.append(NoteField(name, hex(value)))
        }
        fields.append(NoteField("fpvalid", "\(fpValid)"))
        return fields
    }
}

extension String {
    /// Seconds with microsecond precision, as eu-readelf prints `utime`.
    init(format6 value: Double) {
        // A corrupt timeval may be negative or beyond Int64 microseconds: no trap, just its value.
        let scaled = (value * 1e6).rounded()
        guard scaled.magnitude < 9e18 else {
            self = "\(value)"
            return
        }
        let micros = Int64(scaled)
        let fraction = String(micros.magnitude % 1_000_000)
        self = (micros < 0 ? "-" : "") + "\(micros.magnitude / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }
}
