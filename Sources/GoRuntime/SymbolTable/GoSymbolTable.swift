import CoreFile
import ProcessImage

/// Go symbolization from the pclntab: function, file:line, inlined calls and
/// frame size for any PC in Go code, with or without DWARF.
///
/// Every Go executable carries the pclntab for the runtime's own tracebacks,
/// and `-ldflags='-s -w'` keeps it, so this works on stripped binaries, and
/// on DWARF that libdw 0.188 cannot map to Go compile units. The tables are
/// read in place from the mapped executable (or core): nothing is copied or
/// decoded up front, lookups are a binary search plus a walk of one
/// function's varint tables.
///
/// Supports the pclntab formats of Go 1.18 through 1.27 (magic 0xfffffff0
/// and 0xfffffff1) on 64-bit little-endian targets.
public final class GoSymbolTable: Sendable {
    /// From the build info, when it was readable; it picks the moduledata
    /// layout (without the binary's own) and the wrapper funcID.
    public let release: GoRelease?
    /// `runtime.firstmoduledata`, found by scanning the data segment; nil if it was not found.
    public let moduleData: ModuleData?
    /// What made the table partial (no moduledata, no inline trees).
    public let warnings: [Warning]
    let tables: Tables
    /// Keeps the mapped files the tables borrow from alive.
    private let owner: (any AnyObject & Sendable)?

    /// Deep enough for any real inlining (the compiler's budget keeps chains
    /// short); the cap stops a corrupt tree whose parents loop.
    static let maximumInlineDepth = 256

    /// Finds the pclntab of the process's executable (its `.gopclntab`
    /// section, moved by the load bias) and `runtime.firstmoduledata` (for
    /// `gofunc`, the base of inline trees). Throws when the executable is not a
    /// Go program, or when its pclntab is not readable (the executable file
    /// was not found and the core does not hold those pages).
    ///
    /// - Parameters:
    ///   - release: from the build info the caller already read; read here otherwise.
    ///   - layout: the runtime layout the caller resolved. When it is the
    ///     binary's own (from its DWARF, or its release's table), the
    ///     moduledata is read with it rather than with a nearby release's table.
    public convenience init(process: ProcessImage, release: GoRelease? = nil, layout: GoRuntimeLayout? = nil) throws {
        let locator = try Locator(process: process, release: release, runtimeLayout: layout)
        let result = try locator.locate()
        self.init(tables: result.tables, moduleData: result.moduleData, release: locator.release,
                  warnings: result.warnings, owner: process)
    }

    init(tables: Tables, moduleData: ModuleData?, release: GoRelease?, warnings: [Warning], owner: (any AnyObject & Sendable)?) {
        self.tables = tables
        self.moduleData = moduleData
        self.release = release
        self.warnings = warnings
        self.owner = owner
    }

    /// The number of functions in the table, for iterating with `function(atIndex:)`.
    public var functionCount: Int { tables.functionCount }

    /// False when `gofunc` could not be found: frames then carry no inlined calls.
    public var hasInlineTrees: Bool { tables.gofunc != nil }

    /// This release's `abi.FuncIDWrapper` (see `GoFunction.isWrapper`).
    public var wrapperFuncID: UInt8? { tables.wrapperFuncID }

    /// Functions are in address order.
    public func function(atIndex index: Int) -> GoFunction? {
        tables.record(at: index).map(tables.function)
    }

    /// The physical function whose code holds `pc`.
    public func function(containing pc: Address) -> GoFunction? {
        tables.functionIndex(containing: pc.rawValue).flatMap(function(atIndex:))
    }

    /// Every function with exactly this name (usually one; some runtime
    /// assembly and wrappers repeat). A scan of the whole table, comparing
    /// bytes in place: fine for occasional lookups, not for hot loops.
    public func functions(named name: String) -> [GoFunction] {
        let utf8 = Array(name.utf8)
        return utf8.withUnsafeBufferPointer { query in
            (0..<tables.functionCount).compactMap { index in
                guard let record = tables.record(at: index), tables.nameEquals(record, query) else { return nil }
                return tables.function(record)
            }
        }
    }

    /// The source frames at `pc`, innermost first: the calls inlined there,
    /// then the physical function. The innermost frame's line is the PC's
    /// own; each outer frame's is the line of the call inlined into it,
    /// found by resolving the inline tree's `parentPc` the way the runtime's
    /// `inlineUnwinder` does.
    ///
    /// - Parameter isReturnAddress: look up `pc - 1`, the call instruction,
    ///   as debuggers do for caller frames. The frames still report `pc`.
    /// - Returns: empty when `pc` is not in Go code.
    public func frames(at pc: Address, isReturnAddress: Bool) -> [GoSourceFrame] {
        let lookup = isReturnAddress ? pc.rawValue &- 1 : pc.rawValue
        guard let index = tables.functionIndex(containing: lookup), let record = tables.record(at: index) else { return [] }
        let physical = tables.function(record)
        var frames: [GoSourceFrame] = []
        var current = lookup
        for _ in 0..<Self.maximumInlineDepth {
            let file = tables.file(record, at: current), line = tables.line(record, at: current)
            let inlineIndex = tables.inlineIndex(record, at: current)
            guard inlineIndex >= 0, let call = tables.inlinedCall(record, index: inlineIndex) else {
                frames.append(GoSourceFrame(function: physical.name, file: file, line: line, isInlined: false, pc: pc,
                                            funcID: physical.funcID, isWrapper: physical.isWrapper))
                return frames
            }
            frames.append(GoSourceFrame(function: tables.name(at: call.nameOffset) ?? "?", file: file, line: line, isInlined: true, pc: pc,
                                        funcID: call.funcID, isWrapper: tables.isWrapper(call.funcID)))
            let parent = record.entry &+ UInt64(bitPattern: Int64(call.parentPC))
            guard parent >= record.entry, parent < record.end else { break }
            current = parent
        }
        // A damaged tree (parent outside the function, or a loop): still name the physical function.
        frames.append(GoSourceFrame(function: physical.name, file: nil, line: nil, isInlined: false, pc: pc,
                                    funcID: physical.funcID, isWrapper: physical.isWrapper))
        return frames
    }

    /// How far SP is below the frame's top at `pc` (the pcsp table): the
    /// caller's SP is `sp + delta + 8` on x86-64 (the return address sits at
    /// `sp + delta`). Zero at entry. Use the PC as is, return addresses
    /// included, as the runtime's unwinder does. Nil outside Go code.
    public func stackPointerDelta(at pc: Address) -> Int64? {
        guard let index = tables.functionIndex(containing: pc.rawValue), let record = tables.record(at: index),
              let delta = tables.stackPointerDelta(record, at: pc.rawValue)
        else { return nil }
        return Int64(delta)
    }
}
