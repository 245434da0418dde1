import CElfUtils
import CoreFile

/// Collects raw frames during `dwfl_getthread_frames`. Only collects:
/// symbolization happens after the walk, as in eu-stack.
final class FrameCollector {
    struct RawFrame: Hashable {
        var pc: UInt64
        var isActivation: Bool
    }

    private struct FrameKey: Hashable {
        var pc: UInt64
        var sp: UInt64
    }

    let limit: Int
    private(set) var frames: [RawFrame] = []
    /// Each frame's stack pointer, where libdwfl knows it.
    private(set) var stackPointers: [UInt64?] = []
    private(set) var hitLimit = false
    private(set) var looped = false
    private var seen: Set<FrameKey> = []

    init(limit: Int) { self.limit = limit }

    static let callback: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Int32 = { state, arg in
        guard let state, let arg else { return CElfUtils_callbackStop() }
        let collector = Unmanaged<FrameCollector>.fromOpaque(arg).takeUnretainedValue()
        return collector.add(DwflFrameState(raw: state))
    }

    private func add(_ state: DwflFrameState) -> Int32 {
        guard let (pc, isActivation) = ElfUtils.framePC(state) else { return -1 }
        // A corrupt stack can make CFI walk in a circle; the same pc at the
        // same sp twice means it will never end.
        let sp = ElfUtils.frameRegister(state, X86_64.DWARFRegisters.stackPointer)
        if let sp, !seen.insert(FrameKey(pc: pc, sp: sp)).inserted {
            looped = true
            return CElfUtils_callbackStop()
        }
        frames.append(RawFrame(pc: pc, isActivation: isActivation))
        stackPointers.append(sp)
        if frames.count >= limit {
            hitLimit = true
            return CElfUtils_callbackStop()
        }
        return CElfUtils_callbackContinue()
    }
}
