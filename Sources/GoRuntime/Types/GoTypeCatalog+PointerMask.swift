import Analysis
import CoreFile
import ProcessImage

/// Pointer bitmaps: one bit per word of a type's first `ptrBytes` bytes, least
/// significant bit first, as the GC reads them. An object that holds an array
/// of the type (a malloc header's or `largeType`'s type over a larger slot)
/// repeats the bitmap every `size` bytes.
///
/// The runtime's own bitmap is copied when it exists. A type whose `GCData` is a
/// GC program (before 1.24) or an on-demand mask never built (1.24+) gets a
/// bitmap built from its structure: fields, array elements and the pointer
/// words of each basic kind, as the compiler lays them out.
extension GoTypeCatalog {
    /// The largest bitmap built or copied, in words (a 128 MiB pointer prefix).
    static let maxMaskWords = 1 << 24

    /// The bitmap of `id`, `(ptrBytes / 8 + 7) / 8` bytes; empty for a type
    /// without pointers, nil when it can be neither read nor built.
    public func pointerMaskBytes(of id: TypeID) -> ArraySlice<UInt8>? {
        if let range = maskRanges[id] { return builtMasks[range] }
        guard let record = record(of: id) else { return nil }
        let words = Int(record.ptrBytes / 8)
        guard words <= Self.maxMaskWords else { return nil }
        let bytes: [UInt8]?
        switch record.pointerMask {
        case .none: bytes = []
        case let .inProcess(address, _): bytes = try? memory.readBytes(at: address, count: (words + 7) / 8)
        case .built, .unavailable: bytes = masksToBuild.contains(id) ? buildMask(of: id, words: words) : nil
        }
        guard let bytes else { return nil }
        let range = appendMask(bytes)
        maskRanges[id] = range
        return builtMasks[range]
    }

    /// The word indexes of `id` that hold pointers, for tests and reports; nil when the bitmap is unavailable.
    public func pointerWords(of id: TypeID) -> [Int]? {
        guard let mask = pointerMaskBytes(of: id), let record = record(of: id) else { return nil }
        return (0..<Int(record.ptrBytes / 8)).filter { mask[mask.startIndex + $0 / 8] & (1 << ($0 % 8)) != 0 }
    }

    /// Builds a bitmap from the type's structure with an explicit stack: types
    /// nest (and arrays repeat) but never recurse through a pointer, and the
    /// stack only holds parts that start inside the `words` being built.
    func buildMask(of root: TypeID, words: Int) -> [UInt8]? {
        var mask = [UInt8](repeating: 0, count: (words + 7) / 8)
        func set(_ word: Int) { if word < words { mask[word / 8] |= 1 << (word % 8) } }
        var stack: [(type: TypeID, word: Int)] = [(root, 0)]
        while let (type, base) = stack.popLast() {
            guard let record = record(of: type) else { return nil }
            if record.ptrBytes == 0 || base >= words { continue }
            if type != root, case .inProcess = record.pointerMask, let elementMask = pointerMaskBytes(of: type) {
                for word in 0..<Int(record.ptrBytes / 8) where elementMask[elementMask.startIndex + word / 8] & (1 << (word % 8)) != 0 {
                    set(base + word)
                }
                continue
            }
            switch record.kind {
            case .pointer, .chan, .map, .func, .unsafePointer, .string, .slice: set(base)
            case .interface: set(base); set(base + 1)
            case .struct:
                for field in links(of: type) { stack.append((field.type, base + Int(field.offset / 8))) }
            case .array:
                guard let element = self.record(of: record.elem), element.size >= 8 else { return nil }
                let stride = Int(element.size / 8)
                let reach = min(UInt64(words - base), record.arrayLength)
                for index in 0..<Int(reach) where base + index * stride < words {
                    stack.append((record.elem, base + index * stride))
                }
            default: return nil
            }
        }
        return mask
    }
}
