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

    static func sliceAddress(dwarfAddress: UInt64?, bias: UInt64, process: ProcessImage, reader: GoroutineReader) -> Address? {
        if let dwarfAddress { return Address(dwarfAddress &+ bias) }
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

    private static func scanForSlice(process: ProcessImage, reader: GoroutineReader) -> Address? {
        guard let executable = process.mainExecutable, let (headers, bias) = process.loadedProgramHeaders(of: executable) else { return nil }
        var buffer: [UInt8] = []
        for header in headers where header.type == ProgramHeader.load && header.flags & ProgramHeader.writable != 0 {
            let range = AddressRange(start: Address(header.virtualAddress &+ bias), size: header.memorySize)
            var cursor = range.start.alignedDown(to: 8)
            while cursor.advanced(by: 24) <= range.end {
                defer { cursor = cursor.advanced(by: 8) }
                guard let length = try? process.memory.readUInt64(at: cursor.advanced(by: 8)), length >= 1, length <= maximumCount,
                      let capacity = try? process.memory.readUInt64(at: cursor.advanced(by: 16)), capacity >= length, capacity <= maximumCount,
                      let array = try? process.memory.readPointer(at: cursor), array.isAligned(to: 8),
                      let first = try? process.memory.readPointer(at: array), first.isAligned(to: 8),
                      let goroutine = try? reader.read(first, buffer: &buffer), goroutine.id == 1, reader.looksLikeGoroutine(goroutine)
                else { continue }
                return cursor
            }
        }
        return nil
    }
}
