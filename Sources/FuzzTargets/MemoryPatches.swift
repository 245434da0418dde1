#if canImport(Glibc)
import Glibc
#endif
import CoreFile
import ProcessImage

/// Memory of a loaded fixture that an input overwrites in place, then restores.
///
/// The walkers read a real core through `AddressSpace`, whose bytes are
/// read-only private mappings of the core and of the files it names. Making
/// the chosen pages writable (copy-on-write: the files never change) lets
/// each input corrupt the very bytes the walker reads, without reloading a
/// core of tens of megabytes per input. Windows are at most a page, so one
/// input can reach any of them with a short selector.
final class PatchableMemory {
    static let windowSize = 4096
    private(set) var windows: [UnsafeMutableRawBufferPointer] = []
    /// Where the bytes each applied patch overwrote are kept until `restore`.
    private var saved: [(UnsafeMutableRawBufferPointer, [UInt8])] = []

    /// The bytes behind `ranges` of `memory`, cut into windows; ranges or parts the core lacks are skipped.
    init(memory: AddressSpace, ranges: [AddressRange]) {
        for range in ranges {
            var cursor = range.start
            while cursor < range.end {
                guard let index = memory.regionIndex(containing: cursor), let bytes = memory.bytes(of: memory.regions[index]) else { break }
                let region = memory.regions[index]
                let offset = Int(cursor.offset(from: region.range.start))
                let end = min(bytes.count, offset + Int(min(range.end.rawValue, region.range.end.rawValue) - cursor.rawValue))
                guard offset < end, let base = bytes.base.baseAddress else { break }
                add(UnsafeMutableRawPointer(mutating: base + offset), count: end - offset)
                cursor = cursor.advanced(by: UInt64(end - offset))
            }
        }
    }

    private func add(_ start: UnsafeMutableRawPointer, count: Int) {
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = Int(bitPattern: start) & ~(pageSize - 1)
        let last = (Int(bitPattern: start) + count + pageSize - 1) & ~(pageSize - 1)
        guard let pages = UnsafeMutableRawPointer(bitPattern: first), mprotect(pages, last - first, PROT_READ | PROT_WRITE) == 0 else {
            return
        }
        var done = 0
        while done < count {
            let length = min(Self.windowSize, count - done)
            windows.append(UnsafeMutableRawBufferPointer(start: start + done, count: length))
            done += length
        }
    }

    /// Applies the patches `input` describes, runs `body`, and puts the bytes back.
    ///
    /// Each patch is: window (2 bytes, modulo the window count), offset in it
    /// (2 bytes, modulo its size), length (1 byte: 1 to 16), then the new bytes.
    func withPatches<T>(_ input: UnsafeRawBufferPointer, _ body: () -> T) -> T {
        defer { restore() }
        guard !windows.isEmpty else { return body() }
        var cursor = 0
        while cursor + 5 <= input.count, saved.count < 256 {
            let window = windows[Int(input.loadUnaligned(fromByteOffset: cursor, as: UInt16.self)) % windows.count]
            let offset = Int(input.loadUnaligned(fromByteOffset: cursor + 2, as: UInt16.self)) % window.count
            let length = min(Int(input[cursor + 4] % 16) + 1, window.count - offset, input.count - cursor - 5)
            cursor += 5
            guard length > 0 else { break }
            let target = UnsafeMutableRawBufferPointer(rebasing: window[offset..<(offset + length)])
            saved.append((target, Array(target)))
            target.copyMemory(from: UnsafeRawBufferPointer(rebasing: input[cursor..<(cursor + length)]))
            cursor += length
        }
        return body()
    }

    private func restore() {
        // Backwards, so overlapping patches unwind to the original bytes.
        for (target, original) in saved.reversed() {
            original.withUnsafeBytes { target.copyMemory(from: $0) }
        }
        saved.removeAll(keepingCapacity: true)
    }

    /// A few deterministic patch lists to start a corpus beside the empty one
    /// (the unpatched walk): single words and short runs overwritten with
    /// zeros, ones and small values, the damage a stray write leaves.
    func seedPatches() -> [[UInt8]] {
        guard !windows.isEmpty else { return [[]] }
        var state: UInt64 = 0x9e37_79b9_7f4a_7c15
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        var seeds: [[UInt8]] = [[]]
        for count in [1, 4, 16] {
            var input: [UInt8] = []
            for _ in 0..<count {
                let window = UInt16(truncatingIfNeeded: next() % UInt64(windows.count))
                let offset = UInt16(truncatingIfNeeded: next() % 4096) & ~7
                input += withUnsafeBytes(of: window.littleEndian, Array.init) + withUnsafeBytes(of: offset.littleEndian, Array.init)
                input.append(7)
                let fill: UInt8 = [0x00, 0xff, 0x01, 0x41][Int(next() % 4)]
                input += [UInt8](repeating: fill, count: 8)
            }
            seeds.append(input)
        }
        return seeds
    }
}

extension AddressSpace {
    /// The pages of writable memory the core holds that are not all zeros:
    /// where heap structures are, without the untouched reservations around them.
    func nonZeroWritablePages(limit: Int = 1 << 16) -> [AddressRange] {
        var pages: [AddressRange] = []
        for region in regions where region.permissions?.writable == true {
            guard case .core = region.source, let bytes = bytes(of: region) else { continue }
            var offset = 0
            while offset < bytes.count, pages.count < limit {
                let length = min(PatchableMemory.windowSize, bytes.count - offset)
                let page = UnsafeRawBufferPointer(rebasing: bytes.base[offset..<(offset + length)])
                if page.contains(where: { $0 != 0 }) {
                    pages.append(AddressRange(start: region.range.start.advanced(by: UInt64(offset)), size: UInt64(length)))
                }
                offset += length
            }
        }
        return pages
    }
}
