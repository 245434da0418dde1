import Foundation
import Reports

/// Writes a pprof profile gzipped, as pprof files are, and says what was written.
enum ProfileFile {
    static func write(_ profile: Perftools_Profiles_Profile, to path: String) throws -> HeapProfileReport.Written {
        let bytes = try PprofHeapProfile.gzipped(profile)
        try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        return HeapProfileReport.Written(path: path, samples: profile.sample.count, locations: profile.location.count, bytes: bytes.count)
    }
}
