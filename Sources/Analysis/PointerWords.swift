import CoreFile

/// Which words of a block of memory may hold pointers, as a description rather than a
/// callback: the scanning loop in this module interprets it, so no call crosses a protocol
/// per word.
///
/// Words are the 8-byte-aligned words of the block, counted from `offset` bytes into it
/// (rounded up to alignment). Only words that lie wholly inside the block are read.
public struct PointerWords: @unchecked Sendable {
    enum Shape {
        case none
        /// Every word up to `limit` bytes into the block: conservative scanning of C heaps and stacks.
        case everyWord(limit: UInt64)
        /// Word i is a pointer when bit i is set: a Go small object's heap bits.
        case mask(UInt64)
        /// Bit i of `bits` (least significant bit of byte i/8 first, as Go's GC data) says whether
        /// word i of each element is a pointer; elements repeat every `elementWords` words.
        /// The block's first word takes bit `firstBit` (a bitmap of a whole arena, where an
        /// object's bits need not start on a byte).
        case bitmap(bits: UnsafeRawBufferPointer, bitCount: Int, elementWords: Int, firstBit: Int)
    }

    let shape: Shape
    let offset: UInt64

    /// The block holds no pointers (Go's noscan spans, strings' bytes).
    public static let none = PointerWords(shape: .none, offset: 0)

    /// Every aligned word may be a pointer: how C heaps and stacks are scanned.
    public static func everyWord(from offset: UInt64 = 0, upTo limit: UInt64 = .max) -> PointerWords {
        PointerWords(shape: .everyWord(limit: limit), offset: offset)
    }

    /// Exactly the words whose bits are set in `mask`, word i at `offset + 8 * i`.
    public static func mask(_ mask: UInt64, from offset: UInt64 = 0) -> PointerWords {
        PointerWords(shape: mask == 0 ? .none : .mask(mask), offset: offset)
    }

    /// A pointer bitmap of `bitCount` words, repeated for every `elementBytes` of the block
    /// (Go's `GCData` for an array's element type, which the object repeats `count` times).
    /// The bitmap's bytes are borrowed: keep them alive (usually in the core's mapping)
    /// until the scan ends. With `firstBit` > 0 the first word's bit is bit `firstBit` of the
    /// bitmap, and `bitCount` and `elementBytes` count the skipped bits too.
    public static func bitmap(_ bits: ByteView, bitCount: Int, elementBytes: UInt64,
                              from offset: UInt64 = 0, firstBit: Int = 0) -> PointerWords {
        let usableBits = min(bitCount, bits.count * 8)
        let elementWords = Int(min(elementBytes / 8, UInt64(Int.max)))
        guard usableBits > firstBit, elementWords > firstBit, firstBit >= 0 else { return .none }
        return PointerWords(shape: .bitmap(bits: bits.base, bitCount: min(usableBits, elementWords),
                                           elementWords: elementWords, firstBit: firstBit),
                            offset: offset)
    }
}

/// How a runtime model tells the mark phase which words of an allocation to follow.
///
/// Called once per scanned allocation, never per word; the answer describes all its words.
/// Both cores call it at once during marking, hence `Sendable`.
public protocol PointerMap: Sendable {
    func pointerWords(ofRow row: Int, in table: AllocationTable) -> PointerWords
}

/// Scans every aligned word of every allocation: the conservative rule for C and C++ heaps,
/// where no type information says which words are pointers.
public struct ConservativePointers: PointerMap, Sendable {
    public init() {}

    public func pointerWords(ofRow row: Int, in table: AllocationTable) -> PointerWords { .everyWord() }
}

/// The words that keep allocations alive from outside the heap, each with the label of the
/// root it belongs to (a global, a goroutine frame …) for retained sizes and paths.
///
/// Labels are indices into `labels` (flat `Int32`s, -1 for none), so a root scan carries its
/// label at no cost per word.
public struct MarkRoots: Sendable {
    /// A block of memory outside the heap (a stack from its SP, a module's data, TLS) and
    /// which of its words to read.
    public struct Range: Sendable {
        public var range: AddressRange
        public var pointers: PointerWords
        /// Index into `MarkRoots.labels`; -1 when the root has no label.
        public var label: Int32

        public init(_ range: AddressRange, pointers: PointerWords = .everyWord(), label: Int32 = -1) {
            self.range = range
            self.pointers = pointers
            self.label = label
        }
    }

    public var ranges: [Range]
    /// Values already in hand: registers, words a walker read from runtime structures.
    public var words: [UInt64]
    /// The label of each of `words` (-1 for none); empty when no word has one.
    public var wordLabels: [Int32]
    public var labels: [RootLabel]

    public init(ranges: [Range] = [], words: [UInt64] = []) {
        self.ranges = ranges
        self.words = words
        wordLabels = []
        labels = []
    }

    /// Adds a label and returns its index, for the ranges and words it names.
    public mutating func addLabel(_ label: RootLabel) -> Int32 {
        labels.append(label)
        return Int32(labels.count - 1)
    }

    /// Appends a word with its label, keeping `wordLabels` parallel to `words`.
    public mutating func appendWord(_ word: UInt64, label: Int32) {
        if wordLabels.count < words.count { wordLabels += repeatElement(-1, count: words.count - wordLabels.count) }
        words.append(word)
        wordLabels.append(label)
    }

    /// The label of word `index` of `words`, -1 when it has none.
    public func label(ofWord index: Int) -> Int32 { index < wordLabels.count ? wordLabels[index] : -1 }
}
