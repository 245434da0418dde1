import CoreFile
import GoRuntime

/// The interned tables of a pprof profile: strings, functions and locations,
/// each numbered once, as `runtime/pprof`'s profileBuilder numbers them.
struct PprofTables {
    private(set) var stringTable = PprofStrings()
    private(set) var functions: [Perftools_Profiles_Function] = []
    private var functionIndex: [FunctionKey: UInt64] = [:]
    private(set) var locations: [Perftools_Profiles_Location] = []
    private var locationIndex: [UInt64: (id: UInt64, frames: Int)] = [:]
    let symbols: GoSymbolTable
    let mappingID: UInt64

    init(symbols: GoSymbolTable, mappingID: UInt64) {
        self.symbols = symbols
        self.mappingID = mappingID
    }

    private struct FunctionKey: Hashable {
        var name: String
        var file: String?
    }

    mutating func string(_ text: String) -> Int64 { stringTable.index(text) }

    mutating func valueType(_ type: String, _ unit: String) -> Perftools_Profiles_ValueType { stringTable.valueType(type, unit) }

    /// `physical` is the function the PC is in, whose start line is at hand;
    /// an inlined call's comes from a search by name, once per function.
    private mutating func function(_ frame: GoSourceFrame, physical: GoFunction?) -> UInt64 {
        let key = FunctionKey(name: frame.function, file: frame.file)
        if let id = functionIndex[key] { return id }
        var function = Perftools_Profiles_Function()
        function.id = UInt64(functions.count + 1)
        function.name = string(frame.function)
        function.systemName = function.name
        function.filename = string(frame.file ?? "")
        let declared = physical?.name == frame.function ? physical : symbols.functions(named: frame.function).first
        function.startLine = Int64(declared?.startLine ?? 0)
        functions.append(function)
        functionIndex[key] = function.id
        return function.id
    }

    /// The source frames of a return PC, innermost first (looked up at pc − 1).
    func frames(at pc: UInt64) -> [GoSourceFrame] {
        symbols.frames(at: Address(pc), isReturnAddress: true)
    }

    /// Location ids for a stack of return PCs. The runtime stores one PC per
    /// logical frame, inlined calls included; as pprof does, the PCs that
    /// stand for the callers a PC's own lookup already expands into are folded
    /// into that PC's location, whose lines list the whole inlining chain.
    mutating func locations(for stack: ArraySlice<UInt64>) -> [UInt64] {
        var ids: [UInt64] = []
        var index = stack.startIndex
        while index < stack.endIndex {
            let (id, frameCount) = location(at: stack[index])
            var consumed = 1
            if frameCount > 1 {
                let outer = frames(at: stack[index]).map(\.function)
                while consumed < frameCount, index + consumed < stack.endIndex,
                      frames(at: stack[index + consumed]).map(\.function) == Array(outer[consumed...]) {
                    consumed += 1
                }
            }
            if id != 0 { ids.append(id) }
            index += consumed
        }
        return ids
    }

    /// The location of one PC (0 for a PC outside any Go function, or for
    /// `runtime.goexit`, which pprof leaves out), and how many frames its lookup gave.
    private mutating func location(at pc: UInt64) -> (id: UInt64, frames: Int) {
        if let known = locationIndex[pc] { return known }
        let frames = frames(at: pc)
        guard let innermost = frames.first, innermost.function != "runtime.goexit" else {
            locationIndex[pc] = (0, 0)
            return (0, 0)
        }
        var location = Perftools_Profiles_Location()
        location.id = UInt64(locations.count + 1)
        location.mappingID = mappingID
        // pprof's own writer records the call's PC, the return address minus one.
        location.address = pc &- 1
        let physical = symbols.function(containing: Address(pc &- 1))
        location.line = frames.map { frame in
            var line = Perftools_Profiles_Line()
            line.functionID = function(frame, physical: physical)
            line.line = Int64(frame.line ?? 0)
            return line
        }
        locations.append(location)
        locationIndex[pc] = (location.id, frames.count)
        return (location.id, frames.count)
    }
}
