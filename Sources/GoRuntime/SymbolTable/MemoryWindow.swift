import CoreFile
import ProcessImage

extension GoSymbolTable {
    /// A stretch of the inferior's memory as one `ByteView`, addressed by `Address`.
    ///
    /// The pclntab can be tens of megabytes, so a window borrows the bytes of
    /// the mapped core or executable wherever it can and copies only as a last
    /// resort. Borrowed bytes live as long as the `ProcessImage` that maps them.
    struct Window: Sendable {
        let start: Address
        let bytes: ByteView
        /// Owns the bytes when they had to be copied.
        let owner: OwnedBytes?

        init(start: Address, bytes: ByteView, owner: OwnedBytes? = nil) {
            self.start = start
            self.bytes = bytes
            self.owner = owner
        }

        var end: Address { start.advanced(by: UInt64(bytes.count)) }

        /// The offset of `[address, address + count)` in `bytes`, when all of it is inside.
        func offset(of address: Address, count: UInt64) -> Int? {
            guard address >= start else { return nil }
            let offset = address.offset(from: start)
            return bytes.contains(offset: offset, count: count) ? Int(offset) : nil
        }

        /// A sub-window, borrowing the same bytes.
        func window(at address: Address, count: UInt64) -> Window? {
            guard let offset = offset(of: address, count: count),
                  let slice = bytes.slice(at: UInt64(offset), count: count)
            else { return nil }
            return Window(start: address, bytes: slice, owner: owner)
        }
    }

    /// Finds windows on one process's memory.
    struct WindowFinder {
        let memory: AddressSpace
        /// The executable's file and its load bias, for bytes the address space lacks.
        let executable: ELFImage?
        let bias: UInt64
        /// Copies are made only up to this size: a corrupt length must not become a huge allocation.
        let copyLimit: UInt64

        /// `count` bytes at `address` (or, with `count` nil, as many as are
        /// contiguous there): from the core or the file the address space maps,
        /// else from the executable's own PT_LOADs, else copied.
        func window(at address: Address, count: UInt64?) -> Window? {
            if let window = fromAddressSpace(at: address, count: count) { return window }
            if let window = fromExecutable(at: address, count: count) { return window }
            guard let count, count <= copyLimit, count > 0 else { return nil }
            let owned = OwnedBytes(count: Int(count))
            guard (try? memory.read(into: owned.mutableBytes, at: address)) != nil else { return nil }
            return Window(start: address, bytes: owned.view, owner: owned)
        }

        private func fromAddressSpace(at address: Address, count: UInt64?) -> Window? {
            guard let index = memory.regionIndex(containing: address),
                  let bytes = memory.bytes(of: memory.regions[index])
            else { return nil }
            let offset = address.offset(from: memory.regions[index].range.start)
            guard offset < UInt64(bytes.count) else { return nil }
            let available = UInt64(bytes.count) - offset
            guard let slice = bytes.slice(at: offset, count: count ?? available) else { return nil }
            return Window(start: address, bytes: slice)
        }

        /// Reads the executable's file directly. The address space already does
        /// this for mappings NT_FILE names, so this matters only where a region
        /// boundary (part in the core, part not) splits the range.
        private func fromExecutable(at address: Address, count: UInt64?) -> Window? {
            guard let executable else { return nil }
            let linked = address.rawValue &- bias
            for segment in executable.programHeaders where segment.type == ProgramHeader.load {
                guard linked >= segment.virtualAddress, linked - segment.virtualAddress < segment.fileSize else { continue }
                let delta = linked - segment.virtualAddress
                let available = segment.fileSize - delta
                guard (count ?? available) <= available,
                      let slice = executable.view.slice(at: segment.fileOffset &+ delta, count: count ?? available) else { return nil }
                return Window(start: address, bytes: slice)
            }
            return nil
        }
    }
}
