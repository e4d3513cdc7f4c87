import Planner

/// A small JSON reader for `json_extract` and `CAST(... AS JSON)`: it walks a document along a
/// path and decodes only the value found there.
///
/// This is not the scanner's hot path (that decodes whole rows into columns); it is a recursive
/// descent over UTF-8 bytes, with nesting limited to `maxDepth` so that hostile input cannot
/// exhaust the stack.
///
/// Paths: `$.a.b[0]`, `a.b[0]` (the `$` is optional), `$["odd key"]`, `$.a['k']`, or a JSON
/// pointer `/a/b/0`.
public enum JSONPathReader {
  public static let maxDepth = 256

  /// The steps of a path, or nil when it is malformed.
  public static func parsePath(_ path: String) -> FieldPath? {
    let p = Array(path.unicodeScalars)
    if p.first == "/" {
      return path.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { part in
        let key = String(part).replacing("~1", with: "/").replacing("~0", with: "~")
        if let n = Int(key), n >= 0, key.first != "+" { return .index(n) }
        return .key(key)
      }
    }
    var steps: FieldPath = []
    var i = 0
    if i < p.count, p[i] == "$" { i += 1 }
    func plainKey() -> String? {
      var key = String.UnicodeScalarView()
      while i < p.count, p[i] != ".", p[i] != "[" {
        key.append(p[i])
        i += 1
      }
      return key.isEmpty ? nil : String(key)
    }
    if i < p.count, p[i] != ".", p[i] != "[" {
      guard let key = plainKey() else { return nil }
      steps.append(.key(key))
    }
    while i < p.count {
      if p[i] == "." {
        i += 1
        guard let key = plainKey() else { return nil }
        steps.append(.key(key))
      } else if p[i] == "[" {
        i += 1
        guard i < p.count else { return nil }
        if p[i] == "\"" || p[i] == "'" {
          let quote = p[i]
          i += 1
          var key = String.UnicodeScalarView()
          while i < p.count, p[i] != quote {
            if p[i] == "\\", i + 1 < p.count { i += 1 }
            key.append(p[i])
            i += 1
          }
          guard i + 1 < p.count, p[i + 1] == "]" else { return nil }
          i += 2
          steps.append(.key(String(key)))
        } else {
          var n = 0
          var digits = 0
          while i < p.count, p[i].value >= 48, p[i].value <= 57, digits < 12 {
            n = n * 10 + Int(p[i].value - 48)
            digits += 1
            i += 1
          }
          guard digits > 0, i < p.count, p[i] == "]" else { return nil }
          i += 1
          steps.append(.index(n))
        }
      } else {
        return nil
      }
    }
    return steps
  }

  /// The value at `path` in the JSON `text`: objects and arrays as `.json` (their exact text),
  /// strings, numbers (BIGINT when integral and in range, else DOUBLE), booleans; NULL when the
  /// path is absent, the value is `null`, or the text is not valid JSON along the way.
  public static func extract(_ text: String, _ path: FieldPath) -> Value {
    var copy = text
    return copy.withUTF8 { buffer in
      var reader = Cursor(bytes: buffer)
      reader.skipSpace()
      for step in path {
        guard reader.descend(step) else { return .null }
      }
      return reader.decodeValue() ?? .null
    }
  }

  /// Whether `text` is one complete JSON object or array (surrounding whitespace allowed).
  public static func isDocument(_ text: String) -> Bool {
    var copy = text
    return copy.withUTF8 { buffer in
      var reader = Cursor(bytes: buffer)
      reader.skipSpace()
      guard let first = reader.peek, first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else {
        return false
      }
      guard reader.skipValue(depth: 0) else { return false }
      reader.skipSpace()
      return reader.index == buffer.count
    }
  }

  /// A position in a JSON document.
  struct Cursor {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipSpace() {
      while let c = peek, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { index += 1 }
    }

    mutating func consume(_ c: UInt8) -> Bool {
      skipSpace()
      guard peek == c else { return false }
      index += 1
      return true
    }

    /// Moves to the value of `step` inside the object or array here; false when absent.
    mutating func descend(_ step: PathStep) -> Bool {
      skipSpace()
      switch step {
      case .key(let key):
        guard consume(UInt8(ascii: "{")) else { return false }
        if consume(UInt8(ascii: "}")) { return false }
        while true {
          skipSpace()
          guard let name = decodeString(), consume(UInt8(ascii: ":")) else { return false }
          skipSpace()
          if name == key { return true }
          guard skipValue(depth: 1) else { return false }
          if consume(UInt8(ascii: ",")) { continue }
          return false
        }
      case .index(let n):
        guard consume(UInt8(ascii: "[")) else { return false }
        if consume(UInt8(ascii: "]")) { return false }
        var i = 0
        while true {
          skipSpace()
          if i == n { return true }
          guard skipValue(depth: 1) else { return false }
          i += 1
          if consume(UInt8(ascii: ",")) { continue }
          return false
        }
      }
    }

    /// Decodes the value here.
    mutating func decodeValue() -> Value? {
      skipSpace()
      guard let c = peek else { return nil }
      let start = index
      switch c {
      case UInt8(ascii: "{"), UInt8(ascii: "["):
        guard skipValue(depth: 0) else { return nil }
        return .json(
          String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
      case UInt8(ascii: "\""):
        return decodeString().map(Value.string)
      case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
        guard skipValue(depth: 0) else { return nil }
        return c == UInt8(ascii: "n") ? .null : .bool(c == UInt8(ascii: "t"))
      default:
        guard skipValue(depth: 0) else { return nil }
        let text = String(
          decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if let n = Int64(text) { return .int(n) }
        return Double(text).map(Value.double)
      }
    }

    /// Decodes the string literal here, resolving escapes; nil when malformed.
    mutating func decodeString() -> String? {
      guard peek == UInt8(ascii: "\"") else { return nil }
      index += 1
      var out: [UInt8] = []
      while let c = peek {
        index += 1
        switch c {
        case UInt8(ascii: "\""):
          return String(validating: out, as: UTF8.self)
        case UInt8(ascii: "\\"):
          guard let e = peek else { return nil }
          index += 1
          switch e {
          case UInt8(ascii: "n"): out.append(0x0A)
          case UInt8(ascii: "t"): out.append(0x09)
          case UInt8(ascii: "r"): out.append(0x0D)
          case UInt8(ascii: "b"): out.append(0x08)
          case UInt8(ascii: "f"): out.append(0x0C)
          case UInt8(ascii: "u"):
            guard var code = hex4() else { return nil }
            if code >= 0xD800 && code < 0xDC00, peek == UInt8(ascii: "\\") {
              let save = index
              index += 1
              var low: UInt32? = nil
              if peek == UInt8(ascii: "u") {
                index += 1
                low = hex4()
              }
              if let low, low >= 0xDC00 && low < 0xE000 {
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
              } else {
                index = save
              }
            }
            out.append(contentsOf: String(Unicode.Scalar(code) ?? "\u{FFFD}").utf8)
          default: out.append(e)
          }
        default:
          guard c >= 0x20 else { return nil }
          out.append(c)
        }
      }
      return nil
    }

    private mutating func hex4() -> UInt32? {
      guard index + 4 <= bytes.count else { return nil }
      var v: UInt32 = 0
      for _ in 0..<4 {
        let c = bytes[index]
        let d: UInt32
        switch c {
        case 48...57: d = UInt32(c - 48)
        case 65...70: d = UInt32(c - 55)
        case 97...102: d = UInt32(c - 87)
        default: return nil
        }
        v = v << 4 | d
        index += 1
      }
      return v
    }

    /// Moves past the value here, checking its syntax; false when malformed or nested deeper
    /// than `maxDepth`.
    mutating func skipValue(depth: Int) -> Bool {
      guard depth <= JSONPathReader.maxDepth else { return false }
      skipSpace()
      guard let c = peek else { return false }
      switch c {
      case UInt8(ascii: "{"), UInt8(ascii: "["):
        let close = c == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
        index += 1
        if consume(close) { return true }
        while true {
          skipSpace()
          if close == UInt8(ascii: "}") {
            guard decodeString() != nil, consume(UInt8(ascii: ":")) else { return false }
          }
          guard skipValue(depth: depth + 1) else { return false }
          if consume(UInt8(ascii: ",")) { continue }
          return consume(close)
        }
      case UInt8(ascii: "\""):
        return decodeString() != nil
      default:
        let start = index
        while let b = peek, b != UInt8(ascii: ","), b != UInt8(ascii: "}"), b != UInt8(ascii: "]"),
          b != 0x20, b != 0x09, b != 0x0A, b != 0x0D
        {
          index += 1
        }
        let word = String(
          decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if word == "true" || word == "false" || word == "null" { return true }
        return Self.isNumber(word)
      }
    }

    /// JSON's number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    static func isNumber(_ word: String) -> Bool {
      var s = Array(word.utf8)[...]
      func digits() -> Int {
        var n = 0
        while let c = s.first, c >= 48 && c <= 57 {
          s.removeFirst()
          n += 1
        }
        return n
      }
      if s.first == UInt8(ascii: "-") { s.removeFirst() }
      if s.first == UInt8(ascii: "0") { s.removeFirst() } else if digits() == 0 { return false }
      if s.first == UInt8(ascii: ".") {
        s.removeFirst()
        if digits() == 0 { return false }
      }
      if s.first == UInt8(ascii: "e") || s.first == UInt8(ascii: "E") {
        s.removeFirst()
        if s.first == UInt8(ascii: "+") || s.first == UInt8(ascii: "-") { s.removeFirst() }
        if digits() == 0 { return false }
      }
      return s.isEmpty
    }
  }
}
