import Analysis
import CoreFile
import ProcessImage
import Symbols

/// Names glibc rows: C++ objects of polymorphic classes by their vtable, the rest by chunk size.
///
/// A polymorphic object's first word is its vptr, which points just past the offset-to-top and
/// typeinfo words of a vtable in some module's read-only data; the typeinfo's second word
/// points at the class's mangled name ("N3geo7PolygonIiEE"). Each distinct first word is
/// checked once and remembered, so a million objects of one class cost one check.
enum GlibcRowTyping {
    static func assignTypes(to rows: inout GlibcRows, process: ProcessImage) -> TypeTable {
        var types = TypeTable()
        var classes = VtableClassNamer(process: process)
        // "[N bytes]" is interned once per chunk size, not built as a string per row.
        var bySize: [UInt64: TypeID] = [:]
        for row in 0..<rows.count {
            let word = rows.words[row]
            if !word.place.isFree, rows.sizes[row] >= 8, let name = classes.className(vptr: rows.firstWords[row]) {
                rows.types[row] = types.intern(name, size: rows.sizes[row], kind: .cppClass)
            } else {
                let size = word.chunkSize
                if let known = bySize[size] {
                    rows.types[row] = known
                } else {
                    let id = types.byteCount(size)
                    bySize[size] = id
                    rows.types[row] = id
                }
            }
        }
        return types
    }
}

/// Resolves vptrs to demangled class names, remembering every answer.
struct VtableClassNamer {
    let process: ProcessImage
    /// Module ranges, sorted: a vptr and its typeinfo must lie in a loaded module.
    private let moduleRanges: [AddressRange]
    private var cache: [UInt64: String?] = [:]

    init(process: ProcessImage) {
        self.process = process
        moduleRanges = process.modules.filter { $0.kind != .vdso }.map(\.range).sorted { $0.start < $1.start }
    }

    private func inModule(_ address: UInt64) -> Bool {
        var low = 0
        var high = moduleRanges.count
        while low < high {
            let middle = (low + high) / 2
            if moduleRanges[middle].end.rawValue <= address { low = middle + 1 } else { high = middle }
        }
        return low < moduleRanges.count && moduleRanges[low].contains(Address(address))
    }

    mutating func className(vptr: UInt64) -> String? {
        guard vptr & 7 == 0, vptr > 16, inModule(vptr) else { return nil }
        if let known = cache[vptr] { return known }
        let name = resolve(vptr)
        cache[vptr] = name
        return name
    }

    private func resolve(_ vptr: UInt64) -> String? {
        let memory = process.memory
        guard let typeinfo = try? memory.readUInt64(at: Address(vptr - 8)), typeinfo & 7 == 0, inModule(typeinfo),
              let typeinfoVptr = try? memory.readUInt64(at: Address(typeinfo)), inModule(typeinfoVptr),
              let namePointer = try? memory.readUInt64(at: Address(typeinfo + 8)), inModule(namePointer),
              let stored = try? memory.readCString(at: Address(namePointer), maxLength: 1024)
        else { return nil }
        // GCC marks the names of classes with internal linkage (anonymous namespaces) with a
        // leading '*', telling the runtime to compare their typeinfo by address.
        let mangled = stored.hasPrefix("*") ? String(stored.dropFirst()) : stored
        guard Self.isMangledTypeName(mangled) else { return nil }
        let demangled = Demangler.demangle("_ZTS" + mangled)
        let prefix = "typeinfo name for "
        guard demangled.hasPrefix(prefix) else { return nil }
        return String(demangled.dropFirst(prefix.count))
    }

    /// Itanium type names of classes: a source name ("6Circle"), a nested name ("N…E") or a
    /// substitution/template form; only identifier characters.
    static func isMangledTypeName(_ name: String) -> Bool {
        guard let first = name.utf8.first, name.utf8.count >= 2,
              first == UInt8(ascii: "N") || first == UInt8(ascii: "S") || (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(first)
        else { return false }
        return name.utf8.allSatisfy { $0 == UInt8(ascii: "_") || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
    }
}
