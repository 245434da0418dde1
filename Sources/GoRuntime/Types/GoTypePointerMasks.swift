import Analysis
import CoreFile

/// The pointer bitmaps of a catalog's types, frozen for the parallel mark:
/// one immutable buffer and flat per-id arrays, so a `PointerMap` can answer
/// `PointerWords` for a typed object from both cores without locks or copies.
///
/// Made after typing, when the catalog stops growing (the catalog itself
/// reads memory lazily and is not safe to share between threads).
public final class GoTypePointerMasks: @unchecked Sendable {
    private let storage: UnsafeMutableRawBufferPointer
    /// Indexed by `TypeID.rawValue`: where the type's bitmap starts in `storage`, or -1 without one.
    private let offsets: [Int]
    private let wordCounts: [Int32]
    private let elementSizes: [UInt64]

    /// Freezes the bitmaps of every type the catalog has recorded; types without a bitmap scan as `.none`.
    public init(catalog: GoTypeCatalog) {
        let ids = catalog.recordedTypes
        let count = catalog.types.count
        var offsets = [Int](repeating: -1, count: count)
        var wordCounts = [Int32](repeating: 0, count: count)
        var elementSizes = [UInt64](repeating: 0, count: count)
        for id in ids {
            guard let record = catalog.record(of: id), record.hasPointers, catalog.pointerMaskBytes(of: id) != nil,
                  let range = catalog.maskRanges[id] else { continue }
            let index = Int(id.rawValue)
            offsets[index] = range.lowerBound
            wordCounts[index] = Int32(clamping: record.ptrBytes / 8)
            elementSizes[index] = record.size
        }
        storage = .allocate(byteCount: max(catalog.builtMasks.count, 1), alignment: 8)
        storage.copyBytes(from: catalog.builtMasks)
        self.offsets = offsets
        self.wordCounts = wordCounts
        self.elementSizes = elementSizes
    }

    deinit { storage.deallocate() }

    /// The words of an object of type `id` (or an array of it: the bitmap repeats
    /// every element) that hold pointers, its first element `offset` bytes into the
    /// block: 8 for a malloc-header object, whose data follows the header word.
    public func pointerWords(of id: TypeID, from offset: UInt64 = 0) -> PointerWords {
        let index = Int(id.rawValue)
        guard index < offsets.count, offsets[index] >= 0 else { return .none }
        let words = Int(wordCounts[index])
        let bytes = UnsafeRawBufferPointer(rebasing: storage[offsets[index]..<(offsets[index] + (words + 7) / 8)])
        return .bitmap(ByteView(bytes), bitCount: words, elementBytes: elementSizes[index], from: offset)
    }

    /// Whether `id` has a bitmap (it holds pointers and its bitmap was readable or buildable).
    public func hasBitmap(_ id: TypeID) -> Bool {
        Int(id.rawValue) < offsets.count && offsets[Int(id.rawValue)] >= 0
    }
}
