import CoreFile

extension GoSymbolTable {
    /// Decoding of pc-value tables (pcsp, pcfile, pcln, pcdata), as
    /// runtime/symtab.go `step` and `readvarint` define them.
    ///
    /// A table is a run of (value delta, pc delta) pairs, both unsigned
    /// varints; the value delta is zigzag-encoded, the pc delta counts in units
    /// of the PC quantum. The value starts at -1 and the pc at the function's
    /// entry; each pair says "from here up to pc + delta the value is value +
    /// delta". A zero value delta ends the table, except in the first pair.
    ///
    /// Decoding walks the bytes in place: no allocation per step, and every
    /// read is bounds-checked, so a corrupt table yields nil, never a trap.
    /// Each step consumes at least two bytes, so a walk ends within the table.
    enum PCValueTable {
        /// The value covering `target`, or nil when the table does not cover it (or is damaged).
        static func value(in table: ByteView, at offset: UInt32, entry: UInt64, target: UInt64, quantum: UInt64) -> Int32? {
            var found: Int32?
            walk(table, at: offset, entry: entry, quantum: quantum) { range, value in
                if target < range.upperBound {
                    if target >= range.lowerBound { found = value }
                    return false
                }
                return true
            }
            return found
        }

        /// Calls `body` with each pc range and its value, in order, until it returns false.
        /// Empty ranges (a zero pc delta) are passed on too.
        static func walk(_ table: ByteView, at offset: UInt32, entry: UInt64, quantum: UInt64,
                         _ body: (Range<UInt64>, Int32) -> Bool) {
            // Offset 0 means "no table": the linker pads pctab with one byte so no real table starts there.
            guard offset != 0 else { return }
            let bytes = table.base
            var cursor = Int(offset)
            var pc = entry
            var value: Int32 = -1
            var first = true
            while cursor < bytes.count {
                guard let valueDelta = readVarint(bytes, &cursor) else { return }
                if valueDelta == 0 && !first { return }
                first = false
                // Zigzag: 0, 1, 2, 3 … decode to 0, -1, 1, -2 …
                value &+= Int32(bitPattern: (0 &- (valueDelta & 1)) ^ (valueDelta >> 1))
                guard let pcDelta = readVarint(bytes, &cursor) else { return }
                let next = pc &+ UInt64(pcDelta) &* quantum
                guard next >= pc else { return }
                if !body(pc..<next, value) { return }
                pc = next
            }
        }

        /// A little-endian base-128 varint of at most 32 bits (five bytes);
        /// nil when it runs off the end or is longer.
        @inline(__always)
        static func readVarint(_ bytes: UnsafeRawBufferPointer, _ cursor: inout Int) -> UInt32? {
            var result: UInt32 = 0
            var shift: UInt32 = 0
            while cursor < bytes.count {
                let byte = bytes[cursor]
                cursor += 1
                result |= UInt32(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
                if shift > 28 { return nil }
            }
            return nil
        }
    }
}
