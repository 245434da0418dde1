import CoreFile
import Synchronization

/// The inferior's memory as the core and the files on disk describe it.
///
/// Regions are sorted and disjoint, so a read is one binary search plus a
/// copy. Core bytes win; where the core left a file-backed mapping out (as
/// gcore does for text and the kernel does with `p_filesz` 0), bytes come
/// from the file NT_FILE names, at its recorded offset.
public final class AddressSpace: MemoryReader, @unchecked Sendable {
    public let regions: [MemoryRegion]
    private let starts: [UInt64]
    /// Each region's available bytes (nil when absent), resolved once so that
    /// reads never look a file up by path.
    let regionBytes: [ByteView?]
    /// The region the last lookup found: runs of nearby reads skip the binary
    /// search. Only a hint, checked before use, and atomic because several
    /// threads read one address space.
    private let lastHit = Atomic<Int>(0)
    private let core: MappedFile
    private let files: [String: MappedFile]

    /// - Parameter files: mapped files by their NT_FILE path, for fill-in. Leave
    ///   out files that are missing or failed the build-id check.
    public init(core: CoreFile, files: [String: MappedFile]) {
        self.core = core.file
        self.files = files
        var regions: [MemoryRegion] = []
        let present = core.segments.map(\.presentRange).filter { !$0.isEmpty }
        for segment in core.segments where !segment.presentRange.isEmpty {
            regions.append(MemoryRegion(range: segment.presentRange, source: .core(offset: segment.fileOffset),
                                        permissions: segment.permissions, mappedFile: nil))
        }
        let fileMappings = (core.fileMappings?.mappings ?? []).sorted { $0.range.start < $1.range.start }
        let segmentRanges = core.segments.map(\.range)
        for mapping in fileMappings {
            for piece in uncovered(mapping.range, by: present) {
                // &+: a corrupt NT_FILE offset near 2^64 must fail the file's bounds check, not trap.
                let delta = piece.start.offset(from: mapping.range.start)
                let source: MemoryRegion.Source = files[mapping.path] != nil
                    ? .file(path: mapping.path, offset: mapping.fileOffset &+ delta) : .absent
                let permissions = sortedIndex(in: segmentRanges, containing: piece.start).map { core.segments[$0].permissions }
                regions.append(MemoryRegion(range: piece, source: source, permissions: permissions,
                                            mappedFile: MappedFileRange(path: mapping.path, offset: mapping.fileOffset &+ delta)))
            }
        }
        // Whatever of a segment is neither in the core nor file-backed is absent.
        let covered = mergedSorted(present + fileMappings.map(\.range))
        for segment in core.segments {
            for piece in uncovered(segment.range, by: covered) {
                regions.append(MemoryRegion(range: piece, source: .absent, permissions: segment.permissions, mappedFile: nil))
            }
        }
        regions.sort { $0.range.start < $1.range.start }
        // Name the file of core-backed pieces too, so `mappings` can show it.
        let mappingRanges = fileMappings.map(\.range)
        for index in regions.indices where regions[index].mappedFile == nil {
            if let found = sortedIndex(in: mappingRanges, containing: regions[index].range.start) {
                let mapping = fileMappings[found]
                regions[index].mappedFile = MappedFileRange(path: mapping.path, offset: mapping.fileOffset)
                    .advanced(by: regions[index].range.start.offset(from: mapping.range.start))
            }
        }
        self.regions = regions
        starts = regions.map(\.range.start.rawValue)
        regionBytes = regions.map { AddressSpace.resolveBytes(of: $0, core: core.file, files: files) }
    }

    /// A region's bytes in the core or the mapped file; nil when absent.
    private static func resolveBytes(of region: MemoryRegion, core: MappedFile, files: [String: MappedFile]) -> ByteView? {
        switch region.source {
        case let .core(offset):
            return core.bytes.slice(at: offset, count: region.range.size)
        case let .file(path, offset):
            guard let file = files[path] else { return nil }
            // A file shorter than its mapping (the last page past EOF): only what the file has.
            let available = offset >= file.size ? 0 : min(region.range.size, file.size - offset)
            return file.bytes.slice(at: offset, count: available)
        case .absent:
            return nil
        }
    }

    /// Index of the region holding `address`: the last hit if it still
    /// matches, else a binary search.
    public func regionIndex(containing address: Address) -> Int? {
        let hint = lastHit.load(ordering: .relaxed)
        if hint < regions.count, regions[hint].range.contains(address) { return hint }
        let index = firstRegion(endingAfter: address)
        guard index < regions.count, regions[index].range.contains(address) else { return nil }
        lastHit.store(index, ordering: .relaxed)
        return index
    }

    /// The index of the first region whose end is above `address` (`regions.count` if none).
    func firstRegion(endingAfter address: Address) -> Int {
        var low = 0, high = starts.count
        while low < high {
            let mid = (low + high) / 2
            if starts[mid] <= address.rawValue { low = mid + 1 } else { high = mid }
        }
        // `low - 1` is the last region starting at or below `address`.
        return low > 0 && regions[low - 1].range.end > address ? low - 1 : low
    }

    /// The bytes of a region without copying, for scanners; `nil` when absent.
    public func bytes(of region: MemoryRegion) -> ByteView? {
        guard let index = regionIndex(containing: region.range.start), regions[index] == region else { return nil }
        return regionBytes[index]
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at address: Address) throws {
        var done = 0
        while done < buffer.count {
            let cursor = address.advanced(by: UInt64(done))
            guard let index = regionIndex(containing: cursor) else { throw CoreInspectError.unmapped(address: cursor) }
            // Compared before it becomes an Int: a corrupt core's region may span more than 2^63 bytes.
            let distance = cursor.offset(from: regions[index].range.start)
            // Absent, or past the end of a file shorter than its mapping.
            guard let bytes = regionBytes[index], distance < UInt64(bytes.count) else {
                throw CoreInspectError.notInCore(address: cursor, file: regions[index].mappedFile?.path)
            }
            let offset = Int(distance)
            let count = min(buffer.count - done, bytes.count - offset)
            UnsafeMutableRawBufferPointer(rebasing: buffer[done..<(done + count)])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes.base[offset..<(offset + count)]))
            done += count
        }
    }

    /// The fast path for word reads: a region lookup and a load, no copy.
    public func readUInt64(at address: Address) throws -> UInt64 {
        if let index = regionIndex(containing: address), let bytes = regionBytes[index],
           let value = bytes.load(UInt64.self, at: address.offset(from: regions[index].range.start)) {
            return value
        }
        return try readInteger(UInt64.self, at: address)
    }

    /// Totals by source, for `info`.
    public var byteCounts: (core: UInt64, file: UInt64, absent: UInt64) {
        var totals: (core: UInt64, file: UInt64, absent: UInt64) = (0, 0, 0)
        // Saturating: the segments of a lying core may overlap and add up past 2^64.
        func add(_ size: UInt64, to total: inout UInt64) { total = min(total, .max - size) + size }
        for region in regions {
            switch region.source {
            case .core: add(region.range.size, to: &totals.core)
            case .file: add(region.range.size, to: &totals.file)
            case .absent: add(region.range.size, to: &totals.absent)
            }
        }
        return totals
    }
}

/// The index of the range holding `address` among `ranges`, sorted by start and disjoint (the
/// last one starting at or below it), by binary search: a core of a process with 60,000
/// mappings asked a linear `first(where:)` 60,000 times.
func sortedIndex(in ranges: [AddressRange], containing address: Address) -> Int? {
    var low = 0, high = ranges.count
    while low < high {
        let mid = (low + high) / 2
        if ranges[mid].start <= address { low = mid + 1 } else { high = mid }
    }
    guard low > 0, ranges[low - 1].contains(address) else { return nil }
    return low - 1
}

/// Sorts ranges and merges the overlapping ones, as `uncovered` needs.
func mergedSorted(_ ranges: [AddressRange]) -> [AddressRange] {
    var merged: [AddressRange] = []
    for range in ranges.sorted(by: { $0.start < $1.start }) where !range.isEmpty {
        if let last = merged.last, range.start <= last.end {
            merged[merged.count - 1].end = max(last.end, range.end)
        } else {
            merged.append(range)
        }
    }
    return merged
}
