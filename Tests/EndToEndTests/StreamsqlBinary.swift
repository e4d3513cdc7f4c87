import Foundation

/// Runs the built `streamsql` executable as a child process.
///
/// `swift test` builds the executable because the test target depends on it; it sits in the
/// same `.build/<triple>/<config>/` directory as the test bundle, so it is found by walking up
/// from this process's own executable.
enum StreamsqlBinary {
  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
    var timedOut: Bool
  }

  /// `STREAMSQL_TEST_BINARY` names another build to test (CI runs the kill-and-restart test at
  /// full size against the release build).
  static let url: URL = {
    if let path = ProcessInfo.processInfo.environment["STREAMSQL_TEST_BINARY"], !path.isEmpty {
      return URL(fileURLWithPath: path)
    }
    let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var dir = exe.deletingLastPathComponent()
    for _ in 0..<6 {
      let candidate = dir.appendingPathComponent("streamsql")
      var isDir: ObjCBool = false
      if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDir),
        !isDir.boolValue,
        FileManager.default.isExecutableFile(atPath: candidate.path)
      {
        return candidate
      }
      dir = dir.deletingLastPathComponent()
    }
    fatalError("streamsql executable not found near \(exe.path); run `swift build` first")
  }()

  /// The repository root, two levels above this file (`Tests/EndToEndTests/`).
  static let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  static let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()

  /// A fresh empty directory under the system's temp folder.
  static func makeTemporaryDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory
      .appendingPathComponent("streamsql-e2e-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
  }

  /// Runs `streamsql arguments` in `directory` with `stdin` as its standard input; stdout and
  /// stderr go to files (no pipe can fill up), and the child is killed after `timeout` seconds.
  /// `executable` runs another program instead (a shell that pipes into streamsql); `environment`
  /// adds to or overrides this process's environment.
  static func run(
    _ arguments: [String], stdin: Data = Data(), in directory: URL, timeout: TimeInterval = 20,
    executable: URL? = nil, environment extra: [String: String] = [:]
  ) throws -> Result {
    let inURL = directory.appendingPathComponent(".stdin")
    let outURL = directory.appendingPathComponent(".stdout")
    let errURL = directory.appendingPathComponent(".stderr")
    try stdin.write(to: inURL)
    try Data().write(to: outURL)
    try Data().write(to: errURL)
    let inHandle = try FileHandle(forReadingFrom: inURL)
    let outHandle = try FileHandle(forWritingTo: outURL)
    let errHandle = try FileHandle(forWritingTo: errURL)
    defer {
      try? inHandle.close()
      try? outHandle.close()
      try? errHandle.close()
    }
    let process = Process()
    process.executableURL = executable ?? url
    process.arguments = arguments
    process.currentDirectoryURL = directory
    process.standardInput = inHandle
    process.standardOutput = outHandle
    process.standardError = errHandle
    var environment = ProcessInfo.processInfo.environment
    environment["SWIFT_BACKTRACE"] = "enable=no"
    environment.merge(extra) { _, new in new }
    process.environment = environment
    let done = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in done.signal() }
    try process.run()
    var timedOut = false
    if done.wait(timeout: .now() + timeout) == .timedOut {
      timedOut = true
      process.terminate()
      if done.wait(timeout: .now() + 2) == .timedOut {
        kill(process.processIdentifier, SIGKILL)
        done.wait()
      }
    }
    let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? "<stdout not UTF-8>"
    let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? "<stderr not UTF-8>"
    return Result(status: process.terminationStatus, stdout: out, stderr: err, timedOut: timedOut)
  }
}
