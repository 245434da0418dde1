import CoreFile

/// One goroutine as the runtime's `g` structure records it.
public struct Goroutine: Sendable {
    public var address: Address
    public var id: Int64
    public var status: GoroutineStatus
    /// The runtime's own wording ("chan receive", "select", …); nil unless waiting.
    public var waitReason: String?
    /// `nanotime()` when it started waiting; 0 when the runtime did not record it.
    public var waitSince: Int64
    /// The OS thread running it, from its `m.procid`.
    public var threadID: Int32?
    /// The `go` statement that created it.
    public var creatorPC: Address
    public var parentID: Int64?
    public var startPC: Address
    public var stack: AddressRange
    /// Where it parked: `g.sched`.
    public var schedPC: Address
    public var schedSP: Address
    public var schedBP: Address
    /// Where it entered a system call: `g.syscallpc/sp/bp`.
    public var syscallPC: Address
    public var syscallSP: Address
    public var syscallBP: Address

    /// The header the runtime's traceback prints: the wait reason of a waiting
    /// goroutine, else its status.
    public var stateName: String {
        if status.base == GoroutineStatus.waiting, let waitReason, !waitReason.isEmpty { return waitReason }
        return status.name
    }
}

/// `g.atomicstatus`: a state plus the `_Gscan` bit the GC sets while scanning.
public struct GoroutineStatus: Hashable, Sendable {
    public var rawValue: UInt32

    public static let idle: UInt32 = 0, runnable: UInt32 = 1, running: UInt32 = 2, syscall: UInt32 = 3
    public static let waiting: UInt32 = 4, dead: UInt32 = 6, copystack: UInt32 = 8, preempted: UInt32 = 9
    static let scanBit: UInt32 = 0x1000

    public var base: UInt32 { rawValue & ~GoroutineStatus.scanBit }
    public var isScanning: Bool { rawValue & GoroutineStatus.scanBit != 0 }

    /// The runtime's `gStatusStrings`; these values have not changed since Go 1.9.
    public var name: String {
        let names: [UInt32: String] = [0: "idle", 1: "runnable", 2: "running", 3: "syscall", 4: "waiting",
                                       5: "moribund", 6: "dead", 7: "enqueue", 8: "copystack", 9: "preempted"]
        return names[base] ?? "status \(base)"
    }
}
