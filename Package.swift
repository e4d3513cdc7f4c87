// swift-tools-version:6.0
import PackageDescription

let package = Package(
  name: "streamsql",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "streamsql", targets: ["streamsql"]),
    // The layers as libraries, for the benchmark package in Benchmarks/ (its own package, so
    // this one's build and CI do not fetch or compile the benchmark tool).
    .library(name: "SQLParser", targets: ["SQLParser"]),
    .library(name: "Planner", targets: ["Planner"]),
    .library(name: "Executor", targets: ["Executor"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
  ],
  targets: [
    // Lexer, parser, AST with source spans, SQL printer, diagnostics. Depends on nothing.
    .target(name: "SQLParser"),
    // Values, types, binder, logical plan, operator DAG, EXPLAIN. No I/O.
    .target(name: "Planner", dependencies: ["SQLParser"]),
    // NDJSON scanner, sources, operators, sinks, scheduler. Sees bound plans only.
    .target(
      name: "Executor",
      dependencies: ["Planner", "CSQLite", "CRdKafka"],
      // The hot loops touch class state per row; the runtime exclusivity checks cost ~8% there
      // and are proven statically everywhere else.
      swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
    ),
    // GNU readline for the REPL (Debian: libreadline-dev).
    .systemLibrary(name: "CReadline", path: "Sources/CReadline", providers: [.apt(["libreadline-dev"])]),
    // SQLite's C API for the SQLite table sink (Debian: libsqlite3-dev).
    .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", providers: [.apt(["libsqlite3-dev"])]),
    // librdkafka's C API for the Kafka source and sink (Debian: librdkafka-dev for the headers).
    // Not linked: loaded on a Kafka source's or sink's first call, so that the runs without one
    // do not pay for loading it and its dependencies at startup (see its header).
    .target(name: "CRdKafka"),
    .executableTarget(
      name: "streamsql",
      dependencies: [
        "SQLParser", "Planner", "Executor", "CReadline",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      // The Swift runtime and libraries linked statically: loading and relocating their ten
      // shared libraries was about 4 ms of every run's startup. `-static-stdlib` at link time
      // alone misses the libraries that FoundationEssentials (imported by ArgumentParser) needs,
      // which `swift build --static-swift-stdlib` would have found by compiling every module
      // with the flag; they are named here. Release only: the debug test bundle links the
      // dynamic runtime that XCTest and Swift Testing use. Linux only: Apple platforms have the
      // runtime in the OS and no static one.
      linkerSettings: [
        .unsafeFlags(
          ["-static-stdlib", "-l_FoundationCShims", "-l_FoundationCollections", "-lswiftSynchronization"],
          .when(platforms: [.linux], configuration: .release))
      ]
    ),
    .testTarget(name: "SQLParserTests", dependencies: ["SQLParser"]),
    .testTarget(name: "PlannerTests", dependencies: ["Planner", "SQLParser"], exclude: ["Snapshots"]),
    .testTarget(name: "ExecutorTests", dependencies: ["Executor", "Planner", "SQLParser"]),
    // The Kafka tests' broker setup calls librdkafka's admin API, which CRdKafka does not
    // forward: the tests link the library itself.
    .testTarget(
      name: "EndToEndTests", dependencies: ["streamsql", "CSQLite", "CRdKafka"], exclude: ["goldens"],
      linkerSettings: [.linkedLibrary("rdkafka")]
    ),
  ]
)
