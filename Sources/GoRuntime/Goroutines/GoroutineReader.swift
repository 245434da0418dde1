import CoreFile
import ProcessImage

/// Reads `g` and `m` structures with one layout. Each `g` is read in one
/// copy into a reused buffer, so ten thousand goroutines cost ten thousand
/// reads, not a read per field.
struct GoroutineReader {
    let memory: MemoryReader
    let layout: GoRuntimeLayout
    private let gSize: Int
    private let offsets: Offsets

    /// Resolved once, so a missing field fails at construction, not per goroutine.
    private struct Offsets {
        var stackLo, stackHi, m, schedSP, schedPC, schedBP, syscallSP, syscallPC, status, goid: Int
        var waitSince, waitReason, gopc, startPC: Int
        var parentGoid, syscallBP: Int?
        var procid: Int
    }

    init(memory: MemoryReader, layout: GoRuntimeLayout) throws {
        self.memory = memory
        self.layout = layout
        func field(_ name: String) throws -> Int { Int(try layout.offset(name)) }
        offsets = Offsets(
            stackLo: try field("runtime.g.stack.lo"), stackHi: try field("runtime.g.stack.hi"), m: try field("runtime.g.m"),
            schedSP: try field("runtime.g.sched.sp"), schedPC: try field("runtime.g.sched.pc"), schedBP: try field("runtime.g.sched.bp"),
            syscallSP: try field("runtime.g.syscallsp"), syscallPC: try field("runtime.g.syscallpc"),
            status: try field("runtime.g.atomicstatus"), goid: try field("runtime.g.goid"),
            waitSince: try field("runtime.g.waitsince"), waitReason: try field("runtime.g.waitreason"),
            gopc: try field("runtime.g.gopc"), startPC: try field("runtime.g.startpc"),
            parentGoid: layout.optionalOffset("runtime.g.parentGoid").map(Int.init),
            syscallBP: layout.optionalOffset("runtime.g.syscallbp").map(Int.init),
            procid: try field("runtime.m.procid"))
        // The struct's size, or enough to cover every field we read.
        let lastField = [offsets.stackHi, offsets.m, offsets.schedBP, offsets.syscallPC, offsets.goid, offsets.waitSince,
                         offsets.gopc, offsets.parentGoid ?? 0, offsets.startPC, offsets.syscallBP ?? 0].max() ?? 0
        gSize = Int(layout.typeSizes["runtime.g"] ?? UInt64(lastField + 8))
    }

    func read(_ address: Address, buffer: inout [UInt8]) throws -> Goroutine {
        if buffer.count != gSize { buffer = [UInt8](repeating: 0, count: gSize) }
        try buffer.withUnsafeMutableBytes { try memory.read(into: $0, at: address) }
        return buffer.withUnsafeBytes { raw in
            let view = ByteView(raw)
            func word(_ offset: Int) -> UInt64 { view.load(UInt64.self, at: UInt64(offset)) ?? 0 }
            let status = view.load(UInt32.self, at: UInt64(offsets.status)) ?? 0
            let reasonIndex = Int(view.load(UInt8.self, at: UInt64(offsets.waitReason)) ?? 0)
            let parent = Int64(bitPattern: offsets.parentGoid.map(word) ?? 0)
            var goroutine = Goroutine(
                address: address, id: Int64(bitPattern: word(offsets.goid)), status: GoroutineStatus(rawValue: status),
                waitReason: nil, waitSince: Int64(bitPattern: word(offsets.waitSince)), threadID: nil,
                creatorPC: Address(word(offsets.gopc)), parentID: parent == 0 ? nil : parent, startPC: Address(word(offsets.startPC)),
                stack: AddressRange(start: Address(word(offsets.stackLo)), end: Address(word(offsets.stackHi))),
                schedPC: Address(word(offsets.schedPC)), schedSP: Address(word(offsets.schedSP)), schedBP: Address(word(offsets.schedBP)),
                syscallPC: Address(word(offsets.syscallPC)), syscallSP: Address(word(offsets.syscallSP)),
                syscallBP: Address(offsets.syscallBP.map(word) ?? 0))
            if goroutine.status.base == GoroutineStatus.waiting, reasonIndex < layout.waitReasons.count {
                goroutine.waitReason = layout.waitReasons[reasonIndex]
            }
            let m = Address(word(offsets.m))
            if m != .zero, let procid = try? memory.readUInt64(at: m.advanced(by: UInt64(offsets.procid))), procid > 0, procid < 1 << 31 {
                goroutine.threadID = Int32(procid)
            }
            return goroutine
        }
    }

    /// A cheap plausibility check, for finding `allgs` by shape in stripped binaries.
    func looksLikeGoroutine(_ goroutine: Goroutine) -> Bool {
        let stack = goroutine.stack
        return goroutine.id > 0 && goroutine.id < 1 << 40
            && goroutine.status.base <= 10
            && !stack.isEmpty && stack.size <= 1 << 30 && stack.start.isAligned(to: 8)
    }
}
