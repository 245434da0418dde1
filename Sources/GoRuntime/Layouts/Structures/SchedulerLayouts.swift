/// `runtime.g`: one goroutine.
public struct GLayout: GoRuntimeStructure {
    public static let typeNames = ["runtime.g"]
    public let size: Int
    public let stackLo, stackHi: GoAddressField
    public let m: GoAddressField
    public let schedSP, schedPC, schedBP: GoAddressField
    public let syscallSP, syscallPC: GoAddressField
    /// Go 1.23 on.
    public let syscallBP: GoAddressField?
    public let status: GoIntegerField
    public let goid: GoIntegerField
    public let waitSince: GoIntegerField
    /// An index into `runtime.waitReasonStrings`.
    public let waitReason: GoIntegerField
    public let gopc, startPC: GoAddressField
    /// Go 1.21 on.
    public let parentGoid: GoIntegerField?

    public init(_ g: GoStructView) throws {
        size = g.size
        stackLo = try g.address("stack.lo")
        stackHi = try g.address("stack.hi")
        m = try g.address("m")
        schedSP = try g.address("sched.sp")
        schedPC = try g.address("sched.pc")
        schedBP = try g.address("sched.bp")
        syscallSP = try g.address("syscallsp")
        syscallPC = try g.address("syscallpc")
        syscallBP = try g.optionalAddress("syscallbp")
        status = try g.integer("atomicstatus")
        goid = try g.integer("goid")
        waitSince = try g.integer("waitsince")
        waitReason = try g.integer("waitreason")
        gopc = try g.address("gopc")
        startPC = try g.address("startpc")
        parentGoid = try g.optionalInteger("parentGoid")
    }
}

/// `runtime.m`: one OS thread.
public struct MLayout: GoRuntimeStructure {
    public static let typeNames = ["runtime.m"]
    public let size: Int
    public let g0, curg, p: GoAddressField
    /// The thread id.
    public let procid: GoIntegerField
    public let id: GoIntegerField

    public init(_ m: GoStructView) throws {
        size = m.size
        g0 = try m.address("g0")
        curg = try m.address("curg")
        p = try m.address("p")
        procid = try m.integer("procid")
        id = try m.integer("id")
    }
}

/// `runtime.p`: a processor, which owns an mcache.
public struct PLayout: GoRuntimeStructure {
    public static let typeNames = ["runtime.p"]
    public let size: Int
    public let id: GoIntegerField
    public let status: GoIntegerField
    public let m: GoAddressField
    public let mcache: GoAddressField

    public init(_ p: GoStructView) throws {
        size = p.size
        id = try p.integer("id")
        status = try p.integer("status")
        m = try p.address("m")
        mcache = try p.address("mcache")
    }
}
