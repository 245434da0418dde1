import Analysis
import CoreFile

/// The executable's typed global variables by address (DWARF), to name a root word as the
/// variable and field that hold it: `main.registry.byName`. Stripped binaries have none;
/// their root words keep the root label's name.
struct GoGlobalVariables {
    private var starts: [UInt64] = []
    private var ends: [UInt64] = []
    private var names: [String] = []
    private var types: [TypeID] = []

    init(process: GoProcess, catalog: GoTypeCatalog?) {
        guard let catalog, let dwarf = process.globals.dwarf, !dwarf.isEmpty else { return }
        let bias = process.globals.bias
        let variables = dwarf.typedVariables().compactMap { variable -> (UInt64, UInt64, String, TypeID)? in
            guard let type = catalog.type(composedNamed: variable.typeName),
                  let size = catalog.record(of: type)?.size, size > 0 else { return nil }
            let start = variable.address &+ bias
            return (start, start &+ size, variable.name, type)
        }.sorted { ($0.0, $0.2) < ($1.0, $1.2) }
        for (start, end, name, type) in variables {
            starts.append(start)
            ends.append(end)
            names.append(name)
            types.append(type)
        }
    }

    /// The variable whose bytes hold `address`, and the offset of `address` in it.
    func variable(containing address: UInt64) -> (name: String, type: TypeID, offset: UInt64)? {
        // The last variable starting at or before the address; variables do not overlap.
        var low = 0, high = starts.count
        while low < high {
            let middle = (low + high) / 2
            if starts[middle] <= address { low = middle + 1 } else { high = middle }
        }
        guard low > 0, address < ends[low - 1] else { return nil }
        return (names[low - 1], types[low - 1], address - starts[low - 1])
    }
}
