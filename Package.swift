// swift-tools-version:6.0
import PackageDescription

// Layers depend downward only:
// coreinspect (CLI) -> Reports -> GoRuntime -> Analysis -> ProcessImage -> CoreFile, and GoRuntime -> Symbols.
// Analysis (allocation tables, marking, object graph, histograms) is allocator-neutral: it needs only
// addresses and memory reads (ProcessImage, CoreFile), so the heap walkers in the runtime models
// (GoRuntime, later GlibcMalloc) fill its tables, and its algorithms are written once for all of them.
// CElfUtils is the C boundary; only Symbols imports it. CZlib (gzip) is imported by Reports' pprof writer and, with CZstd and CLzma, by CoreFile to read compressed cores.
let package = Package(
    name: "coreinspect",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "coreinspect", targets: ["coreinspect"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-atomics", from: "1.3.0"),
        // The runtime only: pprof's profile.proto is generated once into Reports/Pprof/profile.pb.swift.
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CElfUtils",
            pkgConfig: "libdw",
            providers: [.apt(["libdw-dev", "libelf-dev"])]
        ),
        // gzip for pprof files (deflate is zlib's; never hand-written).
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // Compressed cores (.zst from systemd-coredump, .xz, .gz) are read through the C libraries.
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        .systemLibrary(
            name: "CLzma",
            pkgConfig: "liblzma",
            providers: [.apt(["liblzma-dev"])]
        ),
        .target(name: "CoreFile", dependencies: ["CZstd", "CLzma", "CZlib"]),
        .target(name: "ProcessImage", dependencies: ["CoreFile"]),
        .target(
            name: "Symbols",
            dependencies: ["ProcessImage", "CElfUtils"],
            // __cxa_demangle lives in libstdc++, which Swift does not link by default.
            linkerSettings: [.linkedLibrary("stdc++")]
        ),
        // The runtime models fill Analysis's allocator-neutral tables, so they sit above it.
        .target(name: "GoRuntime", dependencies: ["ProcessImage", "Symbols", "Analysis"]),
        // glibc's ptmalloc heap: arenas, chunks and free lists, read into Analysis's tables.
        .target(name: "GlibcMalloc", dependencies: ["ProcessImage", "Symbols", "Analysis"]),
        .target(
            name: "Analysis",
            dependencies: [
                "CoreFile",
                "ProcessImage",
                .product(name: "BitCollections", package: "swift-collections"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "Atomics", package: "swift-atomics"),
            ]
        ),
        .target(
            name: "Reports",
            dependencies: [
                "Symbols", "GoRuntime", "GlibcMalloc", "Analysis", "CZlib",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .executableTarget(
            name: "coreinspect",
            dependencies: [
                "Reports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Fuzz targets over the parsers and walkers (see Tools/fuzz); the executable is libFuzzer's
        // harness when built with -D FUZZING and -sanitize=fuzzer, and replays inputs otherwise.
        .target(name: "FuzzTargets", dependencies: ["CoreFile", "ProcessImage", "Symbols", "GoRuntime", "GlibcMalloc"]),
        .executableTarget(name: "coreinspect-fuzz", dependencies: ["FuzzTargets"]),
        // Unit tests run over in-memory bytes and fake address spaces: no core needed.
        .testTarget(
            name: "UnitTests",
            dependencies: ["CoreFile", "ProcessImage", "GoRuntime", "GlibcMalloc", "Reports"]
        ),
        // Analysis over synthetic tables and fake memory, checked against brute-force oracles.
        .testTarget(
            name: "AnalysisTests",
            dependencies: [
                "Analysis",
                .product(name: "BitCollections", package: "swift-collections"),
            ]
        ),
        // Fixture tests run the real cores under TestCores/ against their truth.json.
        .testTarget(
            name: "FixtureTests",
            dependencies: ["Reports", "GlibcMalloc", "FuzzTargets", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
    ]
)
