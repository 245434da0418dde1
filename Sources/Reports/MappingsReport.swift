import CoreFile
import ProcessImage

/// `coreinspect mappings`: every region of the address space and where its bytes come from.
public struct MappingsReport: Encodable {
    public struct Entry: Encodable {
        public var start: String
        public var end: String
        public var size: UInt64
        /// `r-x` style; null where only NT_FILE recorded the mapping (gcore omits text).
        public var permissions: String?
        public var file: String?
        public var fileOffset: UInt64?
        /// core, file or absent.
        public var source: String
    }

    public var mappings: [Entry]

    public init(process: ProcessImage) {
        mappings = process.memory.regions.map { region in
            Entry(start: region.range.start.hex, end: region.range.end.hex, size: region.range.size,
                  permissions: region.permissions?.description, file: region.mappedFile?.path,
                  fileOffset: region.mappedFile?.offset, source: region.sourceName)
        }
    }

    public func text(style: TextStyle) -> String {
        var table = TextTable(["START", "END", "SIZE", "PERM", "SOURCE", "OFFSET", "FILE"])
        for entry in mappings {
            let source = entry.source == "absent" ? style.yellow(entry.source) : entry.source
            table.add([entry.start, entry.end, Format.bytes(entry.size), entry.permissions ?? "?",
                       source, entry.fileOffset.map { "0x" + String($0, radix: 16) } ?? "", entry.file ?? ""])
        }
        return table.render()
    }
}
