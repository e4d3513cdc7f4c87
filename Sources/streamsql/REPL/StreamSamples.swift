import Executor
import Planner

#if canImport(Glibc)
@preconcurrency import Glibc
#endif

/// The inferred schema of each declared stream, from a sample of its input's first rows.
///
/// A stream whose source is a regular file (or glob) is sampled when it is declared and again at
/// each `\describe`, so a file that grows shows new fields. A FIFO, socket or device is never
/// sampled: reading it would take rows from the queries.
struct StreamSamples {
  static let sampleLines = 1000
  private(set) var schemas: [String: SchemaInference] = [:]

  /// Samples `paths` (files or globs) for the stream `name`.
  mutating func sample(_ name: String, paths: [String]) {
    let inference = SchemaInference()
    var lines = 0
    for pattern in paths {
      for path in Self.expand(pattern) where lines < Self.sampleLines {
        let before = inference.rows + inference.badLines
        inference.observe(file: path, maxLines: Self.sampleLines - lines)
        lines += inference.rows + inference.badLines - before
      }
    }
    schemas[name.lowercased()] = inference
  }

  mutating func forget(_ name: String) {
    schemas[name.lowercased()] = nil
  }

  subscript(name: String) -> SchemaInference? { schemas[name.lowercased()] }

  /// Field paths per stream, for completion.
  var fieldPaths: [String: [String]] {
    schemas.mapValues { $0.fields.map(\.path) }
  }

  /// The files a glob names; a plain path as is.
  static func expand(_ pattern: String) -> [String] {
    guard pattern.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" }) else { return [pattern] }
    var result = glob_t()
    defer { globfree(&result) }
    guard glob(pattern, 0, nil, &result) == 0 else { return [] }
    return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }
      .sorted()
  }
}
