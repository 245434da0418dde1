import CoreFile

/// One stretch of the inferior's address space and where its bytes come from.
public struct MemoryRegion: Hashable, Sendable {
    public enum Source: Hashable, Sendable {
        /// In the core at this file offset.
        case core(offset: UInt64)
        /// Read from the file on disk (an NT_FILE mapping the core left out).
        case file(path: String, offset: UInt64)
        /// Mapped, but its bytes are in neither the core nor a file we have.
        case absent
    }

    public var range: AddressRange
    public var source: Source
    /// From the core's PT_LOAD flags; `nil` where only NT_FILE recorded the mapping.
    public var permissions: Permissions?
    /// The file this address range maps, per NT_FILE, even when its bytes come from the core.
    public var mappedFile: MappedFileRange?

    public var sourceName: String {
        switch source {
        case .core: return "core"
        case .file: return "file"
        case .absent: return "absent"
        }
    }
}

/// The file and offset an address range maps, per NT_FILE.
public struct MappedFileRange: Hashable, Sendable {
    public var path: String
    public var offset: UInt64

    func advanced(by delta: UInt64) -> MappedFileRange { MappedFileRange(path: path, offset: offset &+ delta) }
}

/// The parts of `range` that no range of `covering` touches. `covering` must
/// be sorted by start and non-overlapping.
func uncovered(_ range: AddressRange, by covering: [AddressRange]) -> [AddressRange] {
    var pieces: [AddressRange] = []
    var cursor = range.start
    // First covering range that ends after our start.
    var low = 0, high = covering.count
    while low < high {
        let mid = (low + high) / 2
        if covering[mid].end <= range.start { low = mid + 1 } else { high = mid }
    }
    var index = low
    while index < covering.count, covering[index].start < range.end {
        if covering[index].start > cursor {
            pieces.append(AddressRange(start: cursor, end: covering[index].start))
        }
        cursor = max(cursor, covering[index].end)
        index += 1
    }
    if cursor < range.end { pieces.append(AddressRange(start: cursor, end: range.end)) }
    return pieces
}
