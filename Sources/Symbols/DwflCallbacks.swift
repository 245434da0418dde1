import CElfUtils
import CoreFile
import ProcessImage

#if canImport(Glibc)
import Glibc
#endif

// libdwfl calls back through plain C function pointers, which cannot
// capture Swift context. Each callback gets its state through a `void*`
// that holds an `Unmanaged` reference owned by `DwflSession`.

/// What libdwfl needs to open one module: a file on disk or an ELF image in memory.
final class ModuleSource {
    let path: String?
    /// The vDSO's bytes; `elf_memory` reads them in place, so they live as long as the session.
    let image: OwnedBytes?

    init(path: String?, image: OwnedBytes?) {
        self.path = path
        self.image = image
    }
}

/// One thread as libdwfl sees it: a tid and its initial registers in DWARF order.
final class UnwindThread {
    let tid: pid_t
    let dwarfRegisters: [UInt64]

    init(tid: pid_t, dwarfRegisters: [UInt64]) {
        self.tid = tid
        self.dwarfRegisters = dwarfRegisters
    }
}

/// The state every thread callback reaches through `dwfl_arg`.
final class UnwindContext {
    let memory: MemoryReader
    let threads: [UnwindThread]
    let threadIndex: [pid_t: Int]

    init(memory: MemoryReader, threads: [UnwindThread]) {
        self.memory = memory
        self.threads = threads
        threadIndex = Dictionary(threads.enumerated().map { ($1.tid, $0) }, uniquingKeysWith: { first, _ in first })
    }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> UnwindContext {
        Unmanaged<UnwindContext>.fromOpaque(pointer!).takeUnretainedValue()
    }

    func threadPointer(_ index: Int) -> UnsafeMutableRawPointer {
        Unmanaged.passUnretained(threads[index]).toOpaque()
    }
}

enum DwflCallbacks {
    static let findELF: Dwfl_Callbacks.FindELF = { _, userdata, _, _, fileName, elfOut in
        guard let raw = userdata?.pointee else { return -1 }
        let source = Unmanaged<ModuleSource>.fromOpaque(raw).takeUnretainedValue()
        if let path = source.path {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd >= 0 { fileName?.pointee = strdup(path) }
            return fd
        }
        if let image = source.image {
            elfOut?.pointee = ElfUtils.elfFromMemory(image.mutableBytes)
        }
        return -1
    }

    static let nextThread: @convention(c) (
        OpaquePointer?, UnsafeMutableRawPointer?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?
    ) -> pid_t = { _, dwflArg, threadArg in
        let context = UnwindContext.from(dwflArg)
        // libdwfl hands back what we stored last time: the previous thread, nil at the start.
        let previous = threadArg?.pointee.map { Unmanaged<UnwindThread>.fromOpaque($0).takeUnretainedValue() }
        let nextIndex = previous.map { (context.threadIndex[$0.tid] ?? context.threads.count) + 1 } ?? 0
        guard nextIndex < context.threads.count else { return 0 }
        threadArg?.pointee = context.threadPointer(nextIndex)
        return context.threads[nextIndex].tid
    }

    static let getThread: @convention(c) (
        OpaquePointer?, pid_t, UnsafeMutableRawPointer?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?
    ) -> Bool = { _, tid, dwflArg, threadArg in
        let context = UnwindContext.from(dwflArg)
        guard let index = context.threadIndex[tid] else { return false }
        threadArg?.pointee = context.threadPointer(index)
        return true
    }

    static let memoryRead: @convention(c) (
        OpaquePointer?, Dwarf_Addr, UnsafeMutablePointer<Dwarf_Word>?, UnsafeMutableRawPointer?
    ) -> Bool = { _, address, result, dwflArg in
        let context = UnwindContext.from(dwflArg)
        guard let value = try? context.memory.readUInt64(at: Address(address)) else { return false }
        result?.pointee = value
        return true
    }

    static let setInitialRegisters: @convention(c) (OpaquePointer?, UnsafeMutableRawPointer?) -> Bool = { thread, threadArg in
        guard let thread, let threadArg else { return false }
        let unwindThread = Unmanaged<UnwindThread>.fromOpaque(threadArg).takeUnretainedValue()
        return ElfUtils.setThreadRegisters(DwflThreadHandle(raw: thread), unwindThread.dwarfRegisters)
    }
}
