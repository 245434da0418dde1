import CoreFile
import ProcessImage

/// Reads `g` and `m` structures with one layout. Each `g` is read in one
/// copy into a reused buffer, so ten thousand goroutines cost ten thousand
/// reads, not a read per field.
struct GoroutineReader {
    let memory: MemoryReader
    let g: GLayout
    let m: MLayout
    /// `runtime.waitReasonStrings`, indexed by `g.waitreason`.
    let waitReasons: [String]

    /// - Throws: when `g` or `m` cannot be resolved: without them there are no goroutines.
    init(memory: MemoryReader, layout: GoRuntimeLayout, waitReasons: [String]) throws {
        self.memory = memory
        g = try layout.resolve(GLayout.self).get()
        m = try layout.resolve(MLayout.self).get()
        self.waitReasons = waitReasons
    }

    func read(_ address: Address, buffer: inout [UInt8]) throws -> Goroutine {
        if buffer.count != g.size { buffer = [UInt8](repeating: 0, count: g.size) }
        try buffer.withUnsafeMutableBytes { try memory.read(into: $0, at: address) }
        return buffer.withUnsafeBytes { raw in
            let view = ByteView(raw)
            let parent = Int64(bitPattern: g.parentGoid?.load(from: view) ?? 0)
            var goroutine = Goroutine(
                address: address, id: Int64(bitPattern: g.goid.load(from: view)),
                status: GoroutineStatus(rawValue: UInt32(truncatingIfNeeded: g.status.load(from: view))),
                waitReason: nil, waitSince: Int64(bitPattern: g.waitSince.load(from: view)), threadID: nil,
                creatorPC: g.gopc.load(from: view), parentID: parent == 0 ? nil : parent, startPC: g.startPC.load(from: view),
                stack: AddressRange(start: g.stackLo.load(from: view), end: g.stackHi.load(from: view)),
                schedPC: g.schedPC.load(from: view), schedSP: g.schedSP.load(from: view), schedBP: g.schedBP.load(from: view),
                syscallPC: g.syscallPC.load(from: view), syscallSP: g.syscallSP.load(from: view),
                syscallBP: g.syscallBP?.load(from: view) ?? .zero)
            let reasonIndex = Int(g.waitReason.load(from: view))
            if goroutine.status.base == GoroutineStatus.waiting, reasonIndex < waitReasons.count {
                goroutine.waitReason = waitReasons[reasonIndex]
            }
            let thread = g.m.load(from: view)
            if thread != .zero, m.procid.size == 8,
               let procid = try? memory.readUInt64(at: thread.advanced(by: UInt64(m.procid.offset))), procid > 0, procid < 1 << 31 {
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
