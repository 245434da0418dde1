import CElfUtils
import CoreFile
import ProcessImage

#if canImport(Glibc)
import Glibc
#endif

/// Owns one `Dwfl` and everything its callbacks point at, for as long as it lives.
///
/// Modules are reported from our own `ProcessImage` (files chosen and
/// build-id-checked by us), and threads are attached with our own callbacks,
/// so libdwfl reads memory through our binary-searched address space with
/// file fill-in rather than its linear segment scan.
final class DwflSession {
    let handle: DwflHandle
    private let callbacks: UnsafeMutablePointer<Dwfl_Callbacks>
    private let threadCallbacks: UnsafeMutablePointer<Dwfl_Thread_Callbacks>
    private let debuginfoPath: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private var sources: [ModuleSource] = []
    private var unwindContext: UnwindContext?
    /// libdwfl module handles by our module's base address.
    private(set) var moduleHandles: [Address: DwflModuleHandle] = [:]

    init(process: ProcessImage, search: FileSearch) throws {
        // libdwfl keeps pointers to the callback table and the path string: they must outlive it.
        debuginfoPath = .allocate(capacity: 1)
        // "-" skips CRC checks of .gnu_debuglink files (build-ids decide); an
        // empty entry means the module's own directory, ".debug" its subdirectory,
        // absolute entries are also searched by build-id.
        let path = (["-", ".debug"] + search.allDebugDirectories.map { (search.sysroot ?? "") + $0 }).joined(separator: ":")
        debuginfoPath.pointee = strdup(path)
        callbacks = .allocate(capacity: 1)
        callbacks.initialize(to: ElfUtils.callbacks(findELF: DwflCallbacks.findELF, debuginfoPath: debuginfoPath))
        threadCallbacks = .allocate(capacity: 1)
        threadCallbacks.initialize(to: Dwfl_Thread_Callbacks(next_thread: DwflCallbacks.nextThread,
                                                             get_thread: DwflCallbacks.getThread,
                                                             memory_read: DwflCallbacks.memoryRead,
                                                             set_initial_registers: DwflCallbacks.setInitialRegisters,
                                                             detach: nil, thread_detach: nil))
        do {
            handle = try ElfUtils.begin(callbacks: callbacks)
        } catch {
            DwflSession.release(callbacks, threadCallbacks, debuginfoPath)
            throw error
        }
        try report(process)
    }

    deinit {
        // dwfl_end first: it still reads the vDSO image and the callback table.
        ElfUtils.end(handle)
        DwflSession.release(callbacks, threadCallbacks, debuginfoPath)
        if let context = unwindContext { Unmanaged.passUnretained(context).release() }
        for source in sources { Unmanaged.passUnretained(source).release() }
    }

    private static func release(_ callbacks: UnsafeMutablePointer<Dwfl_Callbacks>,
                                _ threadCallbacks: UnsafeMutablePointer<Dwfl_Thread_Callbacks>,
                                _ debuginfoPath: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) {
        free(debuginfoPath.pointee)
        debuginfoPath.deallocate()
        callbacks.deallocate()
        threadCallbacks.deallocate()
    }

    private func report(_ process: ProcessImage) throws {
        ElfUtils.reportBegin(handle)
        for module in process.modules {
            guard let source = source(for: module, memory: process.memory) else { continue }
            let moduleHandle = try ElfUtils.reportModule(handle, name: module.name, range: module.range)
            // Retained here, released in deinit: libdwfl holds the raw pointer.
            ElfUtils.setModuleUserData(moduleHandle, Unmanaged.passRetained(source).toOpaque())
            sources.append(source)
            moduleHandles[module.base] = moduleHandle
        }
        try ElfUtils.reportEnd(handle)
    }

    private func source(for module: Module, memory: MemoryReader) -> ModuleSource? {
        if let located = module.located { return ModuleSource(path: located.path, image: nil) }
        guard case .inMemory = module.file, module.range.size <= 1 << 20 else { return nil }
        let image = OwnedBytes(count: Int(module.range.size))
        guard (try? memory.read(into: image.mutableBytes, at: module.range.start)) != nil else { return nil }
        return ModuleSource(path: nil, image: image)
    }

    /// Attaches the threads to unwind. A Dwfl takes one attach in its life,
    /// so this is called once, with every thread.
    func attach(threads: [UnwindThread], memory: MemoryReader, pid: pid_t) throws {
        precondition(unwindContext == nil, "a Dwfl takes only one attach")
        let context = UnwindContext(memory: memory, threads: threads)
        let pointer = Unmanaged.passRetained(context).toOpaque()
        unwindContext = context
        try ElfUtils.attachState(handle, pid: pid, callbacks: threadCallbacks, context: pointer)
    }
}
