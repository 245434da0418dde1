/// NT_SIGINFO: the 128-byte `siginfo_t` of the signal that caused the dump.
public struct SignalInfo: Sendable, NamedFields {
    public var number: Int32
    public var errno: Int32
    public var code: Int32
    /// `si_addr`, meaningful for faults (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP).
    public var faultAddress: Address?
    /// `si_pid`/`si_uid`, meaningful for signals a process sent.
    public var senderPID: Int32?
    public var senderUID: UInt32?

    public init(descriptor view: ByteView, path: String) throws {
        guard view.contains(offset: 0, count: 24) else {
            throw CoreInspectError.malformed(path: path, what: "NT_SIGINFO is \(view.count) bytes, expected 128")
        }
        number = view.loadUnchecked(Int32.self, at: 0)
        errno = view.loadUnchecked(Int32.self, at: 4)
        code = view.loadUnchecked(Int32.self, at: 8)
        if Signal.isFault(number), code > 0 {
            faultAddress = Address(view.loadUnchecked(UInt64.self, at: 16))
        } else if code <= 0 {
            // SI_USER, SI_QUEUE, SI_TKILL...: the union holds the sender.
            senderPID = view.loadUnchecked(Int32.self, at: 16)
            senderUID = view.loadUnchecked(UInt32.self, at: 20)
        }
    }

    public var codeName: String { Signal.codeName(signal: number, code: code) }

    public var fields: [NoteField] {
        var fields = [
            NoteField("si_signo", "\(number) (\(Signal.name(number)))"),
            NoteField("si_errno", "\(errno)"),
            NoteField("si_code", "\(code) (\(codeName))"),
        ]
        if let faultAddress { fields.append(NoteField("si_addr", faultAddress.hex)) }
        if let senderPID { fields.append(NoteField("si_pid", "\(senderPID)")) }
        if let senderUID { fields.append(NoteField("si_uid", "\(senderUID)")) }
        return fields
    }
}

/// Linux x86_64 signal names and `si_code` meanings.
public enum Signal {
    static let names = [
        1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT",
        7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2",
        13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM", 16: "SIGSTKFLT", 17: "SIGCHLD",
        18: "SIGCONT", 19: "SIGSTOP", 20: "SIGTSTP", 21: "SIGTTIN", 22: "SIGTTOU",
        23: "SIGURG", 24: "SIGXCPU", 25: "SIGXFSZ", 26: "SIGVTALRM", 27: "SIGPROF",
        28: "SIGWINCH", 29: "SIGIO", 30: "SIGPWR", 31: "SIGSYS",
    ]

    public static func name(_ number: Int32) -> String {
        if let name = names[Int(number)] { return name }
        if number >= 34 && number <= 64 { return "SIGRTMIN+\(number - 34)" }
        return number == 0 ? "none" : "signal \(number)"
    }

    static func isFault(_ number: Int32) -> Bool { [4, 5, 7, 8, 11].contains(number) }

    private static let senderCodes: [Int32: String] = [
        0: "SI_USER", 0x80: "SI_KERNEL", -1: "SI_QUEUE", -2: "SI_TIMER",
        -3: "SI_MESGQ", -4: "SI_ASYNCIO", -5: "SI_SIGIO", -6: "SI_TKILL",
    ]
    private static let faultCodes: [Int32: [Int32: String]] = [
        11: [1: "SEGV_MAPERR", 2: "SEGV_ACCERR", 3: "SEGV_BNDERR", 4: "SEGV_PKUERR"],
        7: [1: "BUS_ADRALN", 2: "BUS_ADRERR", 3: "BUS_OBJERR", 4: "BUS_MCEERR_AR", 5: "BUS_MCEERR_AO"],
        4: [1: "ILL_ILLOPC", 2: "ILL_ILLOPN", 3: "ILL_ILLADR", 4: "ILL_ILLTRP",
            5: "ILL_PRVOPC", 6: "ILL_PRVREG", 7: "ILL_COPROC", 8: "ILL_BADSTK"],
        8: [1: "FPE_INTDIV", 2: "FPE_INTOVF", 3: "FPE_FLTDIV", 4: "FPE_FLTOVF",
            5: "FPE_FLTUND", 6: "FPE_FLTRES", 7: "FPE_FLTINV", 8: "FPE_FLTSUB"],
        5: [1: "TRAP_BRKPT", 2: "TRAP_TRACE", 3: "TRAP_BRANCH", 4: "TRAP_HWBKPT"],
    ]

    public static func codeName(signal: Int32, code: Int32) -> String {
        if code > 0, code != 0x80, let name = faultCodes[signal]?[code] { return name }
        return senderCodes[code] ?? "\(code)"
    }
}
