// swift-tools-version:6.1
import PackageDescription

// Benchmarks of streamsql's parts, in their own package so that the main build and CI do not
// fetch or compile ordo-one/benchmark. Run from this directory: `swift package benchmark`.
let package = Package(
  name: "streamsql-benchmarks",
  platforms: [.macOS(.v13)],
  dependencies: [
    .package(name: "streamsql", path: ".."),
    .package(
      url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
  ],
  targets: [
    // The generated clickstream, the peer queries, and the executor's loops driven in-process.
    .target(
      name: "BenchmarkSupport",
      dependencies: [
        .product(name: "Executor", package: "streamsql"),
        .product(name: "Planner", package: "streamsql"),
        .product(name: "SQLParser", package: "streamsql"),
        .product(name: "Benchmark", package: "benchmark"),
      ]
    ),
    benchmark("Scanner"),
    benchmark("Expressions"),
    benchmark("Windows"),
    benchmark("Queries"),
  ]
)

/// A benchmark suite in Benchmarks/NAME, as the benchmark plugin finds them.
func benchmark(_ name: String) -> Target {
  .executableTarget(
    name: name,
    dependencies: [
      "BenchmarkSupport",
      .product(name: "Executor", package: "streamsql"),
      .product(name: "Planner", package: "streamsql"),
      .product(name: "Benchmark", package: "benchmark"),
    ],
    path: "Benchmarks/\(name)",
    plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
  )
}
