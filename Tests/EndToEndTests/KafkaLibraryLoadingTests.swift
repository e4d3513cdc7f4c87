import Foundation
import Testing

/// librdkafka is loaded on a Kafka source's or sink's first call, not at startup (CRdKafka), so
/// that the runs without Kafka do not pay for it and a machine without it still runs them.
@Suite struct KafkaLibraryLoadingTests {
  /// A run without Kafka does not load it: the dynamic loader's list of the libraries the
  /// binary loads at startup (what ldd prints) has no librdkafka.
  @Test func notLoadedAtStartup() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let r = try StreamsqlBinary.run(
      ["--version"], in: dir, environment: ["LD_TRACE_LOADED_OBJECTS": "1"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.contains("libc.so"), "no library list: \(r.stdout)")
    #expect(!r.stdout.contains("rdkafka"), "\(r.stdout)")
  }

  /// Without the library, a Kafka source or sink is a runtime failure (exit 1) that names it.
  ///
  /// A run without Kafka is not affected. This machine has the library, so a preloaded shim,
  /// compiled here with the toolchain's clang, makes every dlopen of it fail.
  @Test(
    .enabled(if: KafkaLibraryLoadingTests.clang != nil, "needs clang to build the preloaded shim"))
  func missingLibraryIsARuntimeError() throws {
    let dir = try StreamsqlBinary.makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let source = dir.appendingPathComponent("no-rdkafka.c")
    let shim = dir.appendingPathComponent("no-rdkafka.so")
    try """
    #define _GNU_SOURCE
    #include <dlfcn.h>
    #include <string.h>
    void *dlopen(const char *file, int mode) {
      void *(*next)(const char *, int) = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
      return file != NULL && strstr(file, "rdkafka") != NULL ? NULL : next(file, mode);
    }
    """.write(to: source, atomically: true, encoding: .utf8)
    let compiler = Process()
    compiler.executableURL = URL(fileURLWithPath: Self.clang!)
    compiler.arguments = ["-shared", "-fPIC", "-o", shim.path, source.path]
    try compiler.run()
    compiler.waitUntilExit()
    try #require(compiler.terminationStatus == 0)

    let preload = ["LD_PRELOAD": shim.path]
    let cases: [(args: [String], status: Int32, message: String)] = [
      (
        ["SELECT * FROM 'kafka://127.0.0.1:9/t'"], 1,
        "Kafka needs librdkafka, which cannot be loaded"
      ),
      (
        ["INSERT INTO 'kafka://127.0.0.1:9/t' SELECT a FROM stdin"], 1,
        "Kafka needs librdkafka, which cannot be loaded"
      ),
      // A usage error found before the library is needed is still one.
      (["SELECT * FROM 'kafka://127.0.0.1:9/t?grup=g'"], 2, "unknown option 'grup'"),
    ]
    for c in cases {
      let r = try StreamsqlBinary.run(
        c.args, stdin: Data("{\"a\":1}\n".utf8), in: dir, environment: preload)
      #expect(r.status == c.status, "\(c.args): \(r.stderr)")
      #expect(r.stderr.contains(c.message), "\(c.args): \(r.stderr)")
    }
    let plain = try StreamsqlBinary.run(
      ["SELECT a FROM stdin"], stdin: Data("{\"a\":1}\n".utf8), in: dir, environment: preload)
    #expect(plain.status == 0, "\(plain.stderr)")
    #expect(plain.stdout == "{\"a\":1}\n")
  }

  /// clang on PATH, or the toolchain's.
  static let clang: String? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
    let candidates = path.split(separator: ":").map { "\($0)/clang" } + ["/opt/swift/usr/bin/clang"]
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
  }()
}
