#if canImport(Glibc)
import Glibc
#endif

/// What both modes of `coreinspect-fuzz` share: the target named by the
/// environment `Tools/fuzz` sets, its fixtures, and writing seeds.
public enum FuzzSession {
    /// COREINSPECT_FUZZ_TARGET names the target; COREINSPECT_FUZZ_FIXTURES is the
    /// directory `Tools/fuzz` decompressed the fixtures into; COREINSPECT_TEST_CORES is TestCores/.
    public static func fixturesFromEnvironment() -> FuzzFixtures {
        FuzzFixtures(directory: environment("COREINSPECT_FUZZ_FIXTURES") ?? ".build-fuzz/fixtures",
                     testCores: environment("COREINSPECT_TEST_CORES") ?? "TestCores")
    }

    /// Prints `coreinspect-fuzz: message` on stderr and exits.
    public static func fail(_ message: String, status: Int32) -> Never {
        let line = "coreinspect-fuzz: \(message)\n"
        _ = line.withCString { Glibc.write(2, $0, strlen($0)) }
        exit(status)
    }

    public static func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

    /// Writes the target's seeds into `directory` as `seed-N`; returns how many.
    public static func writeSeeds(of target: FuzzTarget, into directory: String) throws -> Int {
        let seeds = try target.seeds()
        for (index, seed) in seeds.enumerated() {
            let path = "\(directory)/seed-\(index)"
            guard let file = fopen(path, "wb") else { throw FuzzSessionError("cannot write \(path): \(String(cString: strerror(errno)))") }
            defer { fclose(file) }
            guard seed.withUnsafeBytes({ fwrite($0.baseAddress, 1, $0.count, file) }) == seed.count else {
                throw FuzzSessionError("short write to \(path)")
            }
        }
        return seeds.count
    }

    /// The bytes of a file, for replaying an input.
    public static func contents(of path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else { throw FuzzSessionError("cannot read \(path): \(String(cString: strerror(errno)))") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            guard count > 0 else { break }
            bytes += chunk[0..<count]
        }
        return bytes
    }
}

public struct FuzzSessionError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
