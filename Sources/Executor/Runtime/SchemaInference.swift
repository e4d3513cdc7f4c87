import Planner

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The fields of a schemaless stream as inferred from the rows seen so far: for each field path
/// (nested objects too, `device.os`), the types it held and how many rows had it.
///
/// The REPL samples a declared stream's file with it, for `\describe` and tab completion of field
/// names. Memory is bounded: at most `maxFields` paths, objects followed `maxDepth` levels deep.
public final class SchemaInference {
  /// One field path and what was seen at it.
  public struct Field: Sendable, Equatable {
    /// The path as typed in a query: `device.os`, `"odd-key"`.
    public var path: String
    /// The path's steps, all keys.
    public var steps: [String]
    /// Rows that held the field (any type, NULL included).
    public var count: Int
    /// Type name (`BIGINT`, `VARCHAR`, `OBJECT`, `ARRAY`, ...) → rows holding it, most frequent first.
    public var types: [(name: String, count: Int)] {
      typeCounts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map {
        ($0.key, $0.value)
      }
    }
    var typeCounts: [String: Int]

    public static func == (a: Field, b: Field) -> Bool {
      a.path == b.path && a.count == b.count && a.typeCounts == b.typeCounts
    }
  }

  public let maxFields: Int
  public let maxDepth: Int
  /// Rows (JSON objects) observed.
  public private(set) var rows = 0
  /// Lines that were not a JSON object.
  public private(set) var badLines = 0
  private var fieldsByPath: [String: Int] = [:]
  private var order: [Field] = []

  public init(maxFields: Int = 1000, maxDepth: Int = 8) {
    self.maxFields = maxFields
    self.maxDepth = maxDepth
  }

  /// The fields in the order they were first seen.
  public var fields: [Field] { order }

  /// Records one NDJSON line.
  public func observe(line: String) {
    guard let members = FieldExtractor.members(ofObject: line) else {
      if !line.allSatisfy(\.isWhitespace) { badLines += 1 }
      return
    }
    rows += 1
    record(members, prefix: [], depth: 1)
  }

  /// Reads up to `maxLines` lines of the regular file at `path` (never a FIFO, socket or device,
  /// whose data reading would consume). Returns false when the file is not a readable regular file.
  @discardableResult
  public func observe(file path: String, maxLines: Int = 1000) -> Bool {
    var info = stat()
    guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, let file = fopen(path, "rb")
    else { return false }
    defer { fclose(file) }
    var buffer: UnsafeMutablePointer<CChar>?
    var capacity = 0
    defer { free(buffer) }
    var lines = 0
    while lines < maxLines {
      let n = getline(&buffer, &capacity, file)
      guard n >= 0, let buffer else { break }
      lines += 1
      let bytes = UnsafeRawBufferPointer(start: buffer, count: n)
      var text = String(decoding: bytes, as: UTF8.self)
      if lines == 1, text.hasPrefix("\u{FEFF}") { text.removeFirst() }
      observe(line: text.trimmingCharacters())
    }
    return true
  }

  private func record(_ members: [(key: String, value: Value)], prefix: [String], depth: Int) {
    for (key, value) in members {
      let steps = prefix + [key]
      let name = Self.typeName(value)
      let path = Self.display(steps)
      if let i = fieldsByPath[path] {
        order[i].count += 1
        order[i].typeCounts[name, default: 0] += 1
      } else if order.count < maxFields {
        fieldsByPath[path] = order.count
        order.append(Field(path: path, steps: steps, count: 1, typeCounts: [name: 1]))
      }
      if name == "OBJECT", depth < maxDepth, case .json(let text) = value,
        let inner = FieldExtractor.members(ofObject: text)
      {
        record(inner, prefix: steps, depth: depth + 1)
      }
    }
  }

  /// `BIGINT`, `DOUBLE`, `VARCHAR`, `BOOLEAN`, `NULL`, and `OBJECT` / `ARRAY` for JSON values.
  static func typeName(_ value: Value) -> String {
    if case .json(let text) = value {
      return text.utf8.first(where: { $0 > 0x20 }) == UInt8(ascii: "[") ? "ARRAY" : "OBJECT"
    }
    return value.dataType.rawValue
  }

  /// A path as a query names it.
  static func display(_ steps: [String]) -> String {
    steps.map(PathStep.key).dottedName
  }
}

extension String {
  /// Without trailing CR/LF and surrounding blanks.
  fileprivate func trimmingCharacters() -> String {
    var s = Substring(self)
    while let last = s.last, last.isWhitespace || last.isNewline { s.removeLast() }
    while let first = s.first, first.isWhitespace { s.removeFirst() }
    return String(s)
  }
}
