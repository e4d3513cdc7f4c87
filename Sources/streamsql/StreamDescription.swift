import Executor
import Planner

/// `DESCRIBE name` of a source stream with what its input actually holds: each field's declared
/// type (if any), the types seen in a sample of the input's first rows and in how many rows, so
/// that type drift (`status: BIGINT 99%, VARCHAR 0%`) shows before a query runs.
///
/// The planner does no I/O and answers DESCRIBE from the catalog alone; the REPL (`\describe`,
/// `DESCRIBE`) and the command line (`streamsql -i FILE 'DESCRIBE input'`, scripts) replace its
/// answer with this one. Only regular files are sampled (`SchemaInference`): reading a pipe or
/// socket would take rows from the queries.
///
///     +--------+----------+------------------------+---------+
///     | field  | declared | seen types             | rows    |
///     | status |          | BIGINT 99%, VARCHAR 0% | 995/998 |
enum StreamDescription {
  static let columns = ["field", "declared", "seen types", "rows"]

  /// The description of `entry` from `inferred` (nil: nothing could be sampled).
  static func rows(for entry: StreamCatalog.Entry, inferred: SchemaInference?) -> [[Value]] {
    let seen = inferred?.rows ?? 0
    var rows: [[Value]] = []
    var listed = Set<String>()
    for column in entry.columns {
      let field = inferred?.fields.first { $0.path == column.name }
      rows.append([
        .string(column.name), .string(column.type.rawValue), .string(field.map(typeSummary) ?? "-"),
        .string("\(field?.count ?? 0)/\(seen)"),
      ])
      listed.insert(column.name)
    }
    for field in inferred?.fields ?? [] where !listed.contains(field.path) {
      rows.append([
        .string(field.path), .string(entry.columns.isEmpty ? "" : "(undeclared)"),
        .string(typeSummary(field)),
        .string("\(field.count)/\(seen)"),
      ])
    }
    if rows.isEmpty {
      rows.append([
        .string("*"), .null, .string("no rows sampled (not a regular file, or empty)"),
        .string("0/0"),
      ])
    }
    return rows
  }

  /// `BIGINT` or `BIGINT 90%, VARCHAR 10%`.
  static func typeSummary(_ field: SchemaInference.Field) -> String {
    let types = field.types
    if types.count == 1 { return types[0].name }
    return types.map { "\($0.name) \($0.count * 100 / max(1, field.count))%" }.joined(
      separator: ", ")
  }

  /// The paths a source stream reads: its file, or the command line's `-i` inputs.
  static func paths(of entry: StreamCatalog.Entry, inputs: [String]) -> [String]? {
    guard case .source(let location) = entry.kind else { return nil }
    switch location {
    case .path(let path): return [path]
    case .commandLine: return inputs
    }
  }

  /// For the command line: the sampled description when the stream reads regular files (not
  /// stdin), else nil so that the planner's answer stands.
  static func sampled(_ name: String, catalog: StreamCatalog, inputs: [String]) -> [[Value]]? {
    guard let entry = catalog.lookup(name), let paths = paths(of: entry, inputs: inputs),
      !paths.isEmpty,
      !paths.contains("-"), !paths.contains("stdin")
    else { return nil }
    var samples = StreamSamples()
    samples.sample(entry.name, paths: paths)
    guard let inferred = samples[entry.name], inferred.rows > 0 else { return nil }
    return rows(for: entry, inferred: inferred)
  }
}
