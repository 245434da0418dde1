import CoreFile
import ProcessImage
import Symbols

/// `runtime.waitReasonStrings`, the runtime's own words for why a goroutine
/// waits, indexed by `g.waitreason`. The list changes between releases (1.19
/// has "GC worker (idle)" where 1.21 has "trace reader (blocked)"), so it is
/// read from the binary itself, never from a table.
///
/// With DWARF the array's address and size are known. Without (`-s -w`), the
/// array is still in the binary's data, and is found by shape: string headers
/// (pointer, length) whose entry 0 is "" and entry 1 "GC assist marking", as
/// in every release since 1.11, followed by more headers of short printable
/// words, among which the well-known reasons.
enum WaitReasonStrings {
    /// Entry 1 of every release's list.
    static let anchor = Array("GC assist marking".utf8)
    /// Reasons every release from 1.19 to 1.27 has; a list found by shape must hold them all.
    static let everyReleaseHas: Set<String> = ["chan receive", "chan send", "select", "sleep", "semacquire", "IO wait",
                                               "finalizer wait", "GC worker (idle)"]
    /// No reason is longer (the longest, 1.25's "sync.WaitGroup.Wait (durable)", is 29 bytes).
    static let maximumLength: UInt64 = 64
    static let maximumCount = 256

    static func fromDWARF(_ index: DWARFIndex, bias: UInt64, memory: MemoryReader) -> [String]? {
        guard let address = index.variableAddress("runtime.waitReasonStrings"),
              let size = index.variableSize("runtime.waitReasonStrings"), size % 16 == 0, size / 16 <= UInt64(maximumCount)
        else { return nil }
        return read(at: Address(address &+ bias), count: Int(size / 16), memory: memory)
    }

    /// Scans the executable's loaded segments for the array; nil when no candidate holds the well-known reasons.
    static func byShape(process: ProcessImage) -> [String]? {
        guard let executable = process.mainExecutable, let (headers, bias) = process.loadedProgramHeaders(of: executable) else {
            return nil
        }
        let memory = process.memory
        for header in headers where header.type == ProgramHeader.load {
            let segment = AddressRange(start: Address(header.virtualAddress &+ bias), size: header.memorySize)
            var cursor = segment.start
            while cursor < segment.end, let index = memory.regionIndex(containing: cursor) {
                let region = memory.regions[index]
                defer { cursor = region.range.end }
                guard let bytes = memory.bytes(of: region) else { continue }
                let start = Int(cursor.offset(from: region.range.start))
                let end = min(bytes.count, Int(min(segment.end, region.range.end).offset(from: region.range.start)))
                if let found = scan(bytes, from: start, to: end, base: region.range.start, memory: memory) { return found }
            }
        }
        return nil
    }

    /// Looks for (0, 0, pointer, 17) at each aligned word: entries 0 and 1.
    private static func scan(_ bytes: ByteView, from start: Int, to end: Int, base: Address, memory: MemoryReader) -> [String]? {
        var offset = (start + 7) & ~7
        while offset + 32 <= end {
            defer { offset += 8 }
            guard bytes.loadUnchecked(UInt64.self, at: offset + 24) == UInt64(anchor.count),
                  bytes.loadUnchecked(UInt64.self, at: offset) == 0, bytes.loadUnchecked(UInt64.self, at: offset + 8) == 0,
                  let text = try? memory.readBytes(at: Address(bytes.loadUnchecked(UInt64.self, at: offset + 16)), count: anchor.count),
                  text == anchor
            else { continue }
            let reasons = read(at: base.advanced(by: UInt64(offset)), count: maximumCount, memory: memory, stopAtNonReason: true)
            if everyReleaseHas.isSubset(of: reasons) { return reasons }
        }
        return nil
    }

    /// Reads `count` string headers. `stopAtNonReason` ends the list at the
    /// first entry after 0 that is not a short printable string: the end of
    /// an array whose length is not known.
    private static func read(at address: Address, count: Int, memory: MemoryReader, stopAtNonReason: Bool = false) -> [String] {
        var reasons: [String] = []
        for slot in 0..<count {
            let header = address.advanced(by: UInt64(slot) * 16)
            let text: [UInt8]?
            if let data = try? memory.readPointer(at: header), let length = try? memory.readUInt64(at: header.advanced(by: 8)),
               length <= maximumLength {
                text = length == 0 ? [] : try? memory.readBytes(at: data, count: Int(length))
            } else {
                text = nil
            }
            if stopAtNonReason, slot > 0, text?.isEmpty != false || text?.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) != true {
                break
            }
            reasons.append(text.map { String(decoding: $0, as: UTF8.self) } ?? "")
        }
        return reasons
    }
}
