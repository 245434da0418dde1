import BitCollections
import CoreFile
import ProcessImage

/// What keeps a C or C++ program's allocations alive from outside its heap, as LeakSanitizer
/// counts it: every thread's registers, its stack from SP up, its static TLS and thread
/// descriptor, every module's writable data (.data, .bss and relro; libc's own state
/// among them), and the DTV's dynamic TLS blocks.
///
/// Dynamic TLS blocks and the DTV array itself live inside malloc'd chunks. They are roots
/// as wholes (`rootAllocations`), not leaks: the thread descriptor points to the DTV one
/// entry past the chunk's start, which would otherwise make it a "possible" leak.
public struct NativeRoots: Sendable {
    /// One thread as the roots need it.
    public struct ThreadState: Sendable {
        public var tid: Int32
        public var registers: [UInt64]
        public var sp: UInt64
        /// x86-64's thread pointer: the TCB, with static TLS just below it.
        public var fsBase: UInt64

        public init(tid: Int32, registers: [UInt64], sp: UInt64, fsBase: UInt64) {
            self.tid = tid
            self.registers = registers
            self.sp = sp
            self.fsBase = fsBase
        }
    }

    /// A module's writable load segment, as loaded.
    public struct DataSegment: Sendable {
        public var module: String
        public var range: AddressRange

        public init(module: String, range: AddressRange) {
            self.module = module
            self.range = range
        }
    }

    public var roots = MarkRoots()
    /// Addresses inside allocations that are roots themselves: each thread's DTV array and
    /// the dynamic TLS blocks it lists.
    public var rootAllocations: [UInt64] = []
    /// The dynamic linker's link maps (`r_debug.r_map` and its `l_next` chain). Those that
    /// dlopen put in the heap are roots, and so is every block they point into, interior
    /// pointers included: what the loader holds is the loader's, not the program's leak
    /// (LeakSanitizer ignores the linker's allocations likewise).
    public var linkMaps: [UInt64] = []
    /// The dynamic linker's writable data: a block it points into, even past the start, is the
    /// loader's own (dlopen's search lists point into the middle of their blocks).
    public var loaderData: [AddressRange] = []
    public var warnings: [String] = []

    /// How the labels of a thread's TLS and stack ranges end ("thread 42 TLS"), for `why`.
    public static let threadStorageSuffix = " TLS"
    public static let stackSuffix = " stack"

    /// glibc's `struct pthread` follows the thread pointer; 2.36's is about 2.3 KiB, and its
    /// thread-specific data slots (pthread_setspecific) hold heap pointers.
    static let threadDescriptorBytes: UInt64 = 8 << 10
    /// Static TLS below the thread pointer when the DTV does not say where it starts.
    static let defaultStaticTLSBytes: UInt64 = 64 << 10
    /// The dynamic linker's own early allocations fit in a few pages; a bigger region around a
    /// thread pointer is something else and only the TLS window of it is read.
    static let maximumLoaderPagesBytes: UInt64 = 1 << 20
    /// A DTV longer than this is garbage: glibc grows it by 14 slots per dlopen of a TLS module.
    static let maximumDTVEntries: UInt64 = 1 << 16

    /// - Parameter mapping: the mapping holding an address, which bounds stacks and TLS.
    public init(threads: [ThreadState], dataSegments: [DataSegment], memory: any MemoryReader,
                mapping: (Address) -> AddressRange?) {
        for segment in dataSegments where !segment.range.isEmpty {
            let label = roots.addLabel(RootLabel(kind: .global, name: Self.baseName(segment.module) + " data",
                                                 detail: segment.range.description))
            roots.ranges.append(MarkRoots.Range(segment.range, label: label))
        }
        for thread in threads {
            let registers = roots.addLabel(RootLabel(kind: .thread, name: "thread \(thread.tid) registers",
                                                     group: "thread \(thread.tid)"))
            for value in thread.registers { roots.appendWord(value, label: registers) }
            if let stack = mapping(Address(thread.sp)), stack.contains(Address(thread.sp)) {
                let label = roots.addLabel(RootLabel(kind: .thread, name: "thread \(thread.tid)" + Self.stackSuffix,
                                                     group: "thread \(thread.tid)"))
                roots.ranges.append(MarkRoots.Range(AddressRange(start: Address(thread.sp), end: stack.end), label: label))
            } else {
                warnings.append("thread \(thread.tid): its stack pointer \(Address(thread.sp)) is in no mapping of the core; its stack is not scanned")
            }
            addThreadStorage(of: thread, memory: memory, mapping: mapping)
        }
    }

    /// Static TLS and the thread descriptor around fs_base, and the DTV's dynamic blocks.
    private mutating func addThreadStorage(of thread: ThreadState, memory: any MemoryReader,
                                           mapping: (Address) -> AddressRange?) {
        let pointer = thread.fsBase
        guard pointer != 0, pointer & 7 == 0, let region = mapping(Address(pointer)), region.contains(Address(pointer)) else { return }
        let entries = dtvEntries(threadPointer: pointer, memory: memory)
        // Static TLS blocks are DTV entries just below the thread pointer: the lowest is where
        // static TLS starts.
        let staticBlocks = entries.filter { $0 < pointer && pointer - $0 <= 1 << 20 }
        let lowest = staticBlocks.min() ?? (pointer > Self.defaultStaticTLSBytes ? pointer - Self.defaultStaticTLSBytes : 0)
        var start = max(region.start.rawValue, lowest)
        var end = min(region.end.rawValue, pointer &+ Self.threadDescriptorBytes)
        // Outside a stack, the thread pointer lies in the pages the dynamic linker allocated for
        // itself before malloc existed (the main thread's TLS): they also hold its link maps,
        // which point to what dlopen allocated with malloc. Those pages are small and roots whole.
        if !region.contains(Address(thread.sp)), region.size <= Self.maximumLoaderPagesBytes {
            start = region.start.rawValue
            end = region.end.rawValue
        }
        guard start < end else { return }
        let label = roots.addLabel(RootLabel(kind: .thread, name: "thread \(thread.tid)" + Self.threadStorageSuffix,
                                             group: "thread \(thread.tid)"))
        roots.ranges.append(MarkRoots.Range(AddressRange(start: Address(start), end: Address(end)), label: label))
    }

    /// Reads the DTV (`tcbhead_t.dtv` at fs_base + 8, pointing one 16-byte slot past its
    /// length slot) and returns the TLS block addresses it lists; records the DTV's own start
    /// and every block in `rootAllocations`. Anything implausible ends the walk quietly.
    private mutating func dtvEntries(threadPointer: UInt64, memory: any MemoryReader) -> [UInt64] {
        guard let dtv = try? memory.readUInt64(at: Address(threadPointer &+ 8)), dtv > 16, dtv & 7 == 0,
              let length = try? memory.readUInt64(at: Address(dtv - 16)),
              length > 0, length <= Self.maximumDTVEntries,
              let slots = try? memory.readBytes(at: Address(dtv &+ 16), count: Int(length) * 16)
        else { return [] }
        rootAllocations.append(dtv - 16)
        var blocks: [UInt64] = []
        slots.withUnsafeBytes { raw in
            for slot in 0..<Int(length) {
                // dtv_pointer { void *val; void *to_free; }: to_free is the malloc'd start of
                // a dynamic block, val the aligned block inside it.
                let value = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: slot * 16, as: UInt64.self))
                let toFree = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: slot * 16 + 8, as: UInt64.self))
                // TLS_DTV_UNALLOCATED is (void *) -1.
                if value != 0, value != .max { blocks.append(value) }
                if toFree != 0, toFree != .max { rootAllocations.append(toFree) }
            }
        }
        rootAllocations += blocks
        return blocks
    }

    /// The rows holding `rootAllocations`.
    public func rootRows(in table: AllocationTable) -> BitArray {
        var rows = BitArray(repeating: false, count: table.count)
        for address in rootAllocations {
            if let row = table.row(containing: Address(address)), table.states[row].isAllocated { rows[row] = true }
        }
        return rows
    }

    static func baseName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}

extension NativeRoots {
    /// The roots of a dumped process: its threads from the core's notes, each module's writable
    /// PT_LOAD segments (read from the loaded program headers), bounded by the core's mappings.
    public init(process: ProcessImage) {
        let threads = process.threads.map { thread in
            ThreadState(tid: thread.tid, registers: thread.registers.values, sp: thread.sp.rawValue,
                        fsBase: thread.registers.value(X86_64UserRegisters.fsBase))
        }
        var segments: [DataSegment] = []
        var loader: [AddressRange] = []
        // AT_BASE: where the kernel loaded the program's interpreter, the dynamic linker.
        let loaderBase = process.core.auxiliaryVector[Self.interpreterBase]
        for module in process.modules where module.kind != .vdso {
            guard let (headers, bias) = process.loadedProgramHeaders(of: module) else { continue }
            for header in headers where header.type == ProgramHeader.load && header.flags & ProgramHeader.writable != 0 {
                let range = AddressRange(start: Address(header.virtualAddress &+ bias), size: header.memorySize)
                segments.append(DataSegment(module: module.name, range: range))
                if module.base.rawValue == loaderBase { loader.append(range) }
            }
        }
        let memory = process.memory
        self.init(threads: threads, dataSegments: segments, memory: memory) { address in
            memory.regionIndex(containing: address).map { memory.regions[$0].range }
        }
        loaderData = loader
        if let executable = process.mainExecutable, let (headers, bias) = process.loadedProgramHeaders(of: executable),
           let dynamic = headers.first(where: { $0.type == Self.dynamicSegment }) {
            linkMaps = Self.linkMaps(dynamic: AddressRange(start: Address(dynamic.virtualAddress &+ bias), size: dynamic.memorySize),
                                     memory: memory)
        }
    }

    static let interpreterBase: UInt64 = 7
    /// PT_DYNAMIC and the DT_DEBUG tag, whose value the loader sets to `&_r_debug`.
    static let dynamicSegment: UInt32 = 2
    static let debugTag: UInt64 = 21
    static let maximumLinkMaps = 4096

    /// The link maps from the executable's DT_DEBUG entry: `r_debug.r_map` (+8), then each
    /// map's `l_next` (+24), stopping at a loop or anything unreadable.
    static func linkMaps(dynamic: AddressRange, memory: any MemoryReader) -> [UInt64] {
        var cursor = dynamic.start
        var debug: UInt64 = 0
        while cursor.advanced(by: 16) <= dynamic.end, let tag = try? memory.readUInt64(at: cursor), tag != 0 {
            if tag == debugTag { debug = (try? memory.readUInt64(at: cursor.advanced(by: 8))) ?? 0 }
            cursor = cursor.advanced(by: 16)
        }
        guard debug != 0, var map = try? memory.readUInt64(at: Address(debug + 8)) else { return [] }
        var maps: [UInt64] = []
        var seen = Set<UInt64>()
        while map != 0, maps.count < maximumLinkMaps, seen.insert(map).inserted {
            maps.append(map)
            guard let next = try? memory.readUInt64(at: Address(map + 24)) else { break }
            map = next
        }
        return maps
    }
}
