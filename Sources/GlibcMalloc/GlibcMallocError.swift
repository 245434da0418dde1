import CoreFile

/// Why a glibc heap cannot be walked at all. Damage the walk can step over (a corrupt chunk,
/// a looping free list) is a warning instead.
public enum GlibcMallocError: CategorizedError, Equatable {
    /// No libc.so.6 among the modules: a static or non-glibc program.
    case noLibc
    /// libc is loaded but its version banner was not found, in the core or on disk.
    case noVersion(module: String)
    /// A release the layout table does not know, and no debug info to read the layout from.
    case unknownLayout(version: GlibcVersion)
    /// Neither symbols nor the structure scan found `main_arena` in libc's writable data.
    case noMainArena(version: GlibcVersion)
    /// `main_arena` was found but not `mp_` beside it.
    case noMallocParameters(version: GlibcVersion)

    public var category: FailureCategory { .unsupportedHeap }

    public var description: String {
        switch self {
        case .noLibc:
            return "no glibc in the process (libc.so.6 is not loaded): only glibc malloc heaps are walked"
        case let .noVersion(module):
            return "\(module): glibc's version banner is neither in the core nor in the file on disk (pass --sysroot or --debug-dir to find the file)"
        case let .unknownLayout(version):
            return "glibc \(version): unknown malloc layout (known without debug info: 2.35–2.43); install its debug info (libc6-dbg) or pass --debug-dir"
        case let .noMainArena(version):
            return "glibc \(version): main_arena not found, neither through libc's debug info nor by its shape in libc's writable data"
        case let .noMallocParameters(version):
            return "glibc \(version): mp_ (malloc's parameters) not found beside main_arena"
        }
    }
}
