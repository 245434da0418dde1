import SwiftProtobuf

/// A pprof profile whose stacks are names rather than code: `leaks --profile`
/// (leak kind → type → size) and `diff --profile-types` (type). Each distinct
/// name is one function and one location, so `go tool pprof -http` draws the
/// stacks as a flame graph, outermost name at the bottom.
public enum PprofNamedProfile {
    public struct Sample {
        /// Outermost first: ["direct", "Polygon", "72 B"].
        public var stack: [String]
        /// One value per sample type.
        public var values: [Int64]

        public init(stack: [String], values: [Int64]) {
            self.stack = stack
            self.values = values
        }
    }

    /// - Parameter sampleTypes: (type, unit) pairs, such as ("leaked_objects", "count"); the last is the default.
    public static func build(sampleTypes: [(String, String)], samples: [Sample]) -> Perftools_Profiles_Profile {
        var strings = PprofStrings()
        var result = Perftools_Profiles_Profile()
        result.sampleType = sampleTypes.map { strings.valueType($0.0, $0.1) }
        if let last = sampleTypes.last { result.defaultSampleType = strings.index(last.0) }
        var frames = PprofNamedFrames<String>()
        result.sample = samples.map { sample in
            var encoded = Perftools_Profiles_Sample()
            // pprof lists a stack leaf first.
            encoded.locationID = sample.stack.reversed().map { name in frames.location(name, strings: &strings) { name } }
            encoded.value = sample.values
            return encoded
        }
        result.function = frames.functions
        result.location = frames.locations
        result.stringTable = strings.strings
        return result
    }
}

/// One function and one location per frame of a profile whose frames are
/// names (a root, a type, a leak kind), numbered in the order first met.
struct PprofNamedFrames<Key: Hashable> {
    private var ids: [Key: UInt64] = [:]
    private(set) var functions: [Perftools_Profiles_Function] = []
    private(set) var locations: [Perftools_Profiles_Location] = []

    mutating func location(_ key: Key, strings: inout PprofStrings, name: () -> String) -> UInt64 {
        if let id = ids[key] { return id }
        let id = UInt64(ids.count + 1)
        var function = Perftools_Profiles_Function()
        function.id = id
        function.name = strings.index(name())
        function.systemName = function.name
        var line = Perftools_Profiles_Line()
        line.functionID = id
        var location = Perftools_Profiles_Location()
        location.id = id
        location.line = [line]
        functions.append(function)
        locations.append(location)
        ids[key] = id
        return id
    }
}

extension PprofNamedProfile {
    /// Leaked allocations as samples whose stacks are kind → type → size
    /// (`leaks --profile`, and `diff --profile` of new leaks): one sample per
    /// distinct stack, valued leaked_objects and leaked_space (usable bytes).
    public static func leaks(_ allocations: [LeaksReport.Allocation]) -> Perftools_Profiles_Profile {
        var order: [[String]] = []
        var values: [[String]: (count: Int64, bytes: Int64)] = [:]
        for allocation in allocations {
            let stack = [allocation.kind, allocation.type, "\(allocation.size) B"]
            if values[stack] == nil { order.append(stack) }
            values[stack, default: (0, 0)].count += 1
            values[stack, default: (0, 0)].bytes += Int64(clamping: allocation.size)
        }
        let samples = order.map { stack in
            Sample(stack: stack, values: [values[stack]?.count ?? 0, values[stack]?.bytes ?? 0])
        }
        return build(sampleTypes: [("leaked_objects", "count"), ("leaked_space", "bytes")], samples: samples)
    }
}
