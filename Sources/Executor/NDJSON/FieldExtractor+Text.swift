import Planner

/// Reading JSON held in a `String`: the run-time side of `.json` values.
///
/// These build a small extractor per call; they serve `json_extract`, `SELECT *` and literals,
/// not the per-line scan.
extension FieldExtractor {
  /// The value at `path` inside the JSON text `text` (any JSON value, not only an object), `.null`
  /// when the path is missing; nil when `text` is not valid JSON.
  public static func extract(path: FieldPath, fromJSON text: String) -> Value? {
    let extractor = FieldExtractor(paths: [path])
    var result = Value.null
    var copy = text
    let error = copy.withUTF8 { buffer in
      extractor.walk(UnsafeRawBufferPointer(buffer), into: &result, requireObject: false)
    }
    return error == nil ? result : nil
  }

  /// One JSON value as a `Value` (objects and arrays as `.json`), or nil when `text` is not
  /// exactly one valid JSON value.
  public static func parseValue(_ text: String) -> Value? {
    extract(path: [], fromJSON: text)
  }

  /// The members of the JSON object `text`, in order, each value as `parseValue` gives it; nil
  /// when `text` is not a valid JSON object.
  ///
  /// A key that occurs twice keeps its first position and its last value, matching the extractor's
  /// last-wins rule.
  public static func members(ofObject text: String) -> [(key: String, value: Value)]? {
    var copy = text
    return copy.withUTF8 { buffer -> [(key: String, value: Value)]? in
      let line = UnsafeRawBufferPointer(buffer)
      var ignored = Value.null
      guard FieldExtractor(paths: []).walk(line, into: &ignored, requireObject: true) == nil,
        let p = buffer.baseAddress
      else { return nil }
      let n = buffer.count
      let whole = FieldExtractor(paths: [[]])
      var result: [(key: String, value: Value)] = []
      var position: [String: Int] = [:]
      var i = skipSpace(p, n, 0) &+ 1
      while true {
        i = skipSpace(p, n, i)
        if p[i] == UInt8(ascii: "}") { break }
        if p[i] == UInt8(ascii: ",") { i = skipSpace(p, n, i &+ 1) }
        var key = ""
        _ = readString(p, n, &i, into: &key)
        i = skipSpace(p, n, i) &+ 1  // the colon
        i = skipSpace(p, n, i)
        let end = valueEnd(p, n, i)
        var value = Value.null
        _ = whole.walk(
          UnsafeRawBufferPointer(start: p + i, count: end &- i), into: &value, requireObject: false)
        if let at = position[key] {
          result[at].value = value
        } else {
          position[key] = result.count
          result.append((key, value))
        }
        i = end
      }
      return result
    }
  }

  /// The end of the valid JSON value starting at `i`.
  static func valueEnd(_ p: UnsafePointer<UInt8>, _ n: Int, _ from: Int) -> Int {
    var i = from
    var depth = 0
    repeat {
      let c = p[i]
      switch c {
      case UInt8(ascii: "\""):
        var escaped = false
        _ = skipString(p, n, &i, escaped: &escaped)
      case UInt8(ascii: "{"), UInt8(ascii: "["):
        depth &+= 1
        i &+= 1
      case UInt8(ascii: "}"), UInt8(ascii: "]"):
        depth &-= 1
        i &+= 1
      default:
        if depth == 0 {
          // A scalar at the top: it runs to the next delimiter.
          while i < n, !(p[i] == 0x2C || p[i] == 0x7D || p[i] == 0x5D || p[i] <= 0x20) { i &+= 1 }
        } else {
          i &+= 1
        }
      }
    } while depth > 0
    return i
  }
}
