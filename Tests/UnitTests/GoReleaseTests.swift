@testable import GoRuntime
import XCTest

final class GoReleaseTests: XCTestCase {
    func testParsesTheVersionStringsBuildInfoCarries() throws {
        let cases: [(String, GoRelease)] = [
            ("go1.23.4", GoRelease(major: 1, minor: 23, patch: 4)),
            ("go1.21", GoRelease(major: 1, minor: 21)),
            ("go1.24rc1", GoRelease(major: 1, minor: 24, prerelease: "rc1")),
            ("go1.22beta2", GoRelease(major: 1, minor: 22, prerelease: "beta2")),
            ("devel go1.24-abcdef01 Tue Jan 7 10:00:00 2025 +0000", GoRelease(major: 1, minor: 24, prerelease: "devel")),
            ("go1.26.6 X:nodwarf5", GoRelease(major: 1, minor: 26, patch: 6)),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(GoRelease(text), expected, text)
        }
        for garbage in ["", "go", "gox.1", "1.23.4", "go1", "devel +abcdef"] {
            XCTAssertNil(GoRelease(garbage), garbage)
        }
    }

    func testDescriptionRoundTrips() {
        for text in ["go1.23.4", "go1.24rc1", "go1.21.0", "devel go1.27"] {
            XCTAssertEqual(GoRelease(text)?.description, text)
            XCTAssertEqual(GoRelease(text).flatMap { GoRelease($0.description) }, GoRelease(text))
        }
    }

    func testOrderPutsPrereleasesBeforeTheRelease() throws {
        let ordered = ["go1.19.8", "go1.21.13", "devel go1.22-abc", "go1.22beta1", "go1.22rc1", "go1.22rc2", "go1.22.0",
                       "go1.22.10", "go1.23.4", "go1.23.9"].map { GoRelease($0)! }
        XCTAssertEqual(ordered.shuffled().sorted(), ordered)
        XCTAssertEqual(GoRelease("go1.22")!, GoRelease("go1.22.0")!)
    }

    func testPredicatesFollowTheReleasesThatChangedTheRuntime() throws {
        func release(_ text: String) -> GoRelease { GoRelease(text)! }
        XCTAssertFalse(release("go1.21.13").hasMallocHeaders)
        XCTAssertTrue(release("go1.22rc1").hasMallocHeaders, "a release candidate has its release's runtime")
        XCTAssertTrue(release("go1.22.0").hasMallocHeaders)
        XCTAssertFalse(release("go1.23.9").hasSwissMaps)
        XCTAssertTrue(release("go1.24.0").hasSwissMaps)
        XCTAssertFalse(release("go1.23.9").hasWideSpecialOffset)
        XCTAssertTrue(release("go1.24.11").hasWideSpecialOffset)
        XCTAssertFalse(release("go1.25.5").hasGreenTeaGCByDefault)
        XCTAssertTrue(release("devel go1.26-abc").hasGreenTeaGCByDefault)
        XCTAssertFalse(release("go1.25.5").hasRandomizedHeapBase)
        XCTAssertTrue(release("go1.27.3").hasRandomizedHeapBase)
        XCTAssertFalse(release("go1.20.14").hasABITypePackage)
        XCTAssertTrue(release("go1.21.0").hasABITypePackage)
    }
}
