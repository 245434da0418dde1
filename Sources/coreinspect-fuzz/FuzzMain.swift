#if canImport(Glibc)
import Glibc
#endif
import FuzzTargets

// Built by Tools/fuzz with `-sanitize=fuzzer -D FUZZING`, libFuzzer provides main
// and calls the two entry points below. A normal build replays inputs instead.
#if FUZZING
nonisolated(unsafe) private var target: FuzzTarget?

/// Loads the target named by COREINSPECT_FUZZ_TARGET; with COREINSPECT_FUZZ_WRITE_SEEDS
/// set, writes its seeds into that directory and exits.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutableRawPointer?) -> CInt {
    guard let name = FuzzSession.environment("COREINSPECT_FUZZ_TARGET"), let targetName = FuzzTargetName(rawValue: name) else {
        FuzzSession.fail("set COREINSPECT_FUZZ_TARGET to one of \(FuzzTargetName.allCases.map(\.rawValue))", status: 64)
    }
    do {
        let loaded = try targetName.make(FuzzSession.fixturesFromEnvironment())
        if let directory = FuzzSession.environment("COREINSPECT_FUZZ_WRITE_SEEDS") {
            print("\(name): \(try FuzzSession.writeSeeds(of: loaded, into: directory)) seeds")
            exit(0)
        }
        target = loaded
    } catch {
        FuzzSession.fail("\(name): \(error)", status: 70)
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafeRawPointer?, _ size: Int) -> CInt {
    _ = target?.run(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}
#else
/// `coreinspect-fuzz TARGET FILE...` runs each input file through the target and
/// prints what it did: how a crash input found by the fuzzer replays without libFuzzer.
@main
struct FuzzReplay {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let name = arguments.first, let targetName = FuzzTargetName(rawValue: name) else {
            FuzzSession.fail("usage: coreinspect-fuzz TARGET FILE...  (targets: \(FuzzTargetName.allCases.map(\.rawValue).joined(separator: ", ")))", status: 64)
        }
        do {
            let target = try targetName.make(FuzzSession.fixturesFromEnvironment())
            for path in arguments.dropFirst() {
                print("\(path): \(target.run(try FuzzSession.contents(of: path)))")
            }
        } catch {
            FuzzSession.fail("\(error)", status: 70)
        }
    }
}
#endif
