import CoreFile
@testable import GoRuntime
import Symbols
import XCTest

/// Warnings aggregate by kind and message; notes stay apart; and the
/// program's own code is told from the standard library by the build info.
final class DiagnosticsTests: XCTestCase {
    func testRepeatedWarningsBecomeOneWithACount() {
        var diagnostics = Diagnostics()
        let unreadable = Warning("goroutine unreadable, skipped", kind: .unreadableGoRuntime)
        for _ in 0..<1000 { diagnostics.add(unreadable) }
        diagnostics.add(Warning("goroutine unreadable, skipped", kind: .unreadableGoRuntime, count: 5))
        diagnostics.add(Warning("core.1: truncated", kind: .truncatedCore))
        // The same text under another kind is another problem.
        diagnostics.add(Warning("goroutine unreadable, skipped", kind: .other))
        XCTAssertEqual(diagnostics.warnings.map(\.count), [1005, 1, 1])
        XCTAssertEqual(diagnostics.warnings.map(\.kind), [.unreadableGoRuntime, .truncatedCore, .other])
        XCTAssertEqual(diagnostics.warnings.first?.description, "goroutine unreadable, skipped (1005 times)")
        XCTAssertTrue(diagnostics.hasWarnings)
    }

    func testNotesAloneLeaveTheAnswerComplete() {
        let note = Note("libfoo.so: no debug info", kind: .noDebugInfo)
        let diagnostics = Diagnostics(notes: [note, note])
        XCTAssertEqual(diagnostics.notes, [note])
        XCTAssertFalse(diagnostics.hasWarnings)
    }

    func testWarningStaysSourceCompatible() {
        let warning = Warning("something")
        XCTAssertEqual(warning.kind, .other)
        XCTAssertEqual(warning.count, 1)
        XCTAssertEqual(warning.message, "something")
    }

    func testFilingReclassifiesAnyError() {
        XCTAssertThrowsError(try CategorizedFailure.filing(as: .goRuntimeUnreadable, subject: "core.1") {
            throw CoreInspectError.malformed(path: "exe pclntab", what: "bad magic")
        }) { error in
            XCTAssertEqual((error as? CategorizedError)?.category, .goRuntimeUnreadable)
            XCTAssertEqual("\(error)", "core.1: exe pclntab: malformed: bad magic")
        }
        XCTAssertEqual(CoreInspectError.missingFile(path: "a", purpose: "b").category, .executableProblem)
        XCTAssertEqual(CoreInspectError.notELF(path: "a").category, .unusableCore)
        XCTAssertEqual(GoRuntimeError.notGo.category, .goRuntimeUnreadable)
    }

    func testPackagePathsOfGoSymbols() {
        XCTAssertEqual(GoUserCode.packagePath(of: "main.main.func1"), "main")
        XCTAssertEqual(GoUserCode.packagePath(of: "github.com/a/b.(*T).M"), "github.com/a/b")
        XCTAssertEqual(GoUserCode.packagePath(of: "gopkg.in/yaml%2ev3.Unmarshal"), "gopkg.in/yaml.v3")
        XCTAssertEqual(GoUserCode.packagePath(of: "example.com/m/p.Map[go.shape.string,example.com/m/q.T]"), "example.com/m/p")
        XCTAssertEqual(GoUserCode.packagePath(of: "sync.(*Mutex).Lock"), "sync")
        XCTAssertEqual(GoUserCode.packagePath(of: "internal/poll.(*FD).Read"), "internal/poll")
    }

    func testUserCodeIsTheMainModuleAndItsDependencies() {
        let info = GoBuildInfo.parse(version: "go1.23.4", modinfo: """
            path\texample.com/app/cmd/server
            mod\texample.com/app\t(devel)\t
            dep\tgolang.org/x/sync\tv0.1.0\th1:x=
            """)
        let userCode = GoUserCode(buildInfo: info)
        XCTAssertTrue(userCode.isUserFunction("main.serve"))
        XCTAssertTrue(userCode.isUserFunction("example.com/app/store.(*DB).Get"))
        XCTAssertTrue(userCode.isUserFunction("golang.org/x/sync/errgroup.(*Group).Wait"))
        XCTAssertFalse(userCode.isUserFunction("example.com/application.F"), "a prefix of the path is not the module")
        XCTAssertFalse(userCode.isUserFunction("sync.runtime_SemacquireMutex"))
        XCTAssertFalse(userCode.isUserFunction("runtime.gopark"))
        XCTAssertFalse(userCode.isUserFunction("vendor/golang.org/x/net/http2.F"))
        let frames = ["runtime.gopark", "sync.(*Mutex).lockSlow", "example.com/app/store.(*DB).Get", "main.main"].map {
            Frame(pc: Address(0x1000), isActivation: false, function: $0)
        }
        XCTAssertEqual(userCode.firstUserFrame(in: frames)?.function, "example.com/app/store.(*DB).Get")
    }
}
