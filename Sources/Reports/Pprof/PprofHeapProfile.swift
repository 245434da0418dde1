import CoreFile
import GoRuntime
import SwiftProtobuf

/// A Go memory profile as the pprof heap profile `/debug/pprof/heap`
/// (`pprof.WriteHeapProfile`) writes it: sample types alloc_objects/count,
/// alloc_space/bytes, inuse_objects/count, inuse_space/bytes, period type
/// space/bytes with the sampling rate as period, one sample per bucket with
/// its values scaled for the rate and a "bytes" label.
public enum PprofHeapProfile {
    /// The mapping every location belongs to: the executable's text.
    public struct Executable: Sendable {
        public var path: String
        public var start: UInt64
        public var limit: UInt64
        public var buildID: String

        public init(path: String, start: UInt64, limit: UInt64, buildID: String) {
            self.path = path
            self.start = start
            self.limit = limit
            self.buildID = buildID
        }
    }

    public static func build(_ profile: GoMemoryProfile, symbols: GoSymbolTable, executable: Executable?,
                             scalesByObjectSize: Bool, timeNanos: Int64 = 0) -> Perftools_Profiles_Profile {
        var tables = PprofTables(symbols: symbols, mappingID: executable == nil ? 0 : 1)
        var result = Perftools_Profiles_Profile()
        let rate = profile.rate ?? 0
        result.periodType = tables.valueType("space", "bytes")
        result.period = rate
        result.sampleType = [tables.valueType("alloc_objects", "count"), tables.valueType("alloc_space", "bytes"),
                             tables.valueType("inuse_objects", "count"), tables.valueType("inuse_space", "bytes")]
        result.timeNanos = timeNanos
        let bytesKey = tables.string("bytes")
        result.sample = profile.records.map { record in
            var sample = Perftools_Profiles_Sample()
            sample.locationID = tables.locations(for: withoutRuntimeCallers(record.stack, tables: tables))
            if sample.locationID.isEmpty { sample.locationID = tables.locations(for: record.stack[...]) }
            let scaled = record.scaled(rate: rate, byObjectSize: scalesByObjectSize)
            sample.value = [scaled.allocObjects, scaled.allocBytes, scaled.inUseObjects, scaled.inUseBytes]
            let blockSize = scalesByObjectSize ? record.objectSize
                : (record.allocObjects > 0 ? record.allocBytes / record.allocObjects : 0)
            if scalesByObjectSize || blockSize != 0 {
                var label = Perftools_Profiles_Label()
                label.key = bytesKey
                label.num = blockSize
                sample.label = [label]
            }
            return sample
        }
        if let executable {
            var mapping = Perftools_Profiles_Mapping()
            mapping.id = 1
            mapping.memoryStart = executable.start
            mapping.memoryLimit = executable.limit
            mapping.filename = tables.string(executable.path)
            mapping.buildID = tables.string(executable.buildID)
            mapping.hasFunctions_p = true
            mapping.hasFilenames_p = true
            mapping.hasLineNumbers_p = true
            mapping.hasInlineFrames_p = symbols.hasInlineTrees
            result.mapping = [mapping]
        }
        result.location = tables.locations
        result.function = tables.functions
        result.stringTable = tables.stringTable.strings
        return result
    }

    /// The serialized profile, gzip-compressed as pprof files are.
    public static func gzipped(_ profile: Perftools_Profiles_Profile) throws -> [UInt8] {
        try Gzip.compress(try profile.serializedBytes())
    }

    /// Like runtime/pprof, leaves out the runtime's own frames above the first
    /// frame of the program (`runtime.` and, from Go 1.24, `internal/runtime/`).
    static func withoutRuntimeCallers(_ stack: [UInt64], tables: PprofTables) -> ArraySlice<UInt64> {
        let first = stack.firstIndex { pc in
            guard let name = tables.frames(at: pc).first?.function else { return true }
            return !GoAllocationSites.isRuntime(name)
        }
        return stack[(first ?? stack.endIndex)...]
    }
}
