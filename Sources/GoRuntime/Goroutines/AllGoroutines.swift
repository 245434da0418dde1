import CoreFile
import ProcessImage

/// Finds `runtime.allgs`, the slice of every goroutine ever created.
///
/// With DWARF the variable's address is known. Stripped binaries have no
/// symbols, so the slice header (pointer, length, capacity) is found by
/// shape in the executable's writable segments: its first element must be a
/// plausible `g` with goid 1, the main goroutine, which is always created first.
enum AllGoroutines {
    /// Refuses slice lengths past this: a corrupt length must not drive the walk.
    static let maximumCount: UInt64 = 1 << 24

    static func sliceAddress(symbolAddress: Address?, process: ProcessImage, reader: GoroutineReader) -> Address? {
        if let symbolAddress { return symbolAddress }
        return scanForSlice(process: process, reader: reader)
    }

    static func read(slice: Address, memory: MemoryReader) throws -> [Address] {
        let pointer = try memory.readPointer(at: slice)
        let length = try memory.readUInt64(at: slice.advanced(by: 8))
        let capacity = try memory.readUInt64(at: slice.advanced(by: 16))
        guard length <= capacity, length <= maximumCount else {
            throw CoreInspectError.malformed(path: "runtime.allgs", what: "length \(length), capacity \(capacity)")
        }
        var elements = [UInt64](repeating: 0, count: Int(length))
        try elements.withUnsafeMutableBytes { try memory.read(into: $0, at: pointer) }
        return elements.map { Address(UInt64(littleEndian: $0)) }
    }

    /// Scans for the slice's length word (a plausible count), then checks the
    /// capacity after it and the array before it; the header starts 8 bytes
    /// before the length.
    private static func scanForSlice(process: ProcessImage, reader: GoroutineReader) -> Address? {
        guard let executable = process.mainExecutable, let (headers, bias) = process.loadedProgramHeaders(of: executable) else { return nil }
        let memory = process.memory
        var buffer: [UInt8] = []
        for header in headers where header.type == ProgramHeader.load && header.flags & ProgramHeader.writable != 0 {
            let segment = AddressRange(start: Address(header.virtualAddress &+ bias), size: header.memorySize)
            // Length words of headers that fit: [aligned start + 8, end - 16].
            let lengths = AddressRange(start: segment.start.alignedDown(to: 8).advanced(by: 8), end: segment.end.retreated(by: 8))
            let found = memory.firstWord(in: lengths, matching: PlausibleLength()) { lengthAddress, length in
                let slice = lengthAddress.retreated(by: 8)
                guard let capacity = try? memory.readUInt64(at: lengthAddress.advanced(by: 8)), capacity >= length, capacity <= maximumCount,
                      let array = try? memory.readPointer(at: slice), array.isAligned(to: 8),
                      let first = try? memory.readPointer(at: array), first.isAligned(to: 8),
                      let goroutine = try? reader.read(first, buffer: &buffer), goroutine.id == 1, reader.looksLikeGoroutine(goroutine)
                else { return false }
                return true
            }
            if let found { return found.retreated(by: 8) }
        }
        return nil
    }

    /// A slice length worth checking: at least the main goroutine, at most the cap.
    struct PlausibleLength: WordPredicate {
        func matches(_ word: UInt64) -> Bool { word &- 1 < AllGoroutines.maximumCount }
    }
}
