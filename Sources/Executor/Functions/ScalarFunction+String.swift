import Planner

/// The string functions.
///
/// Characters are counted as Unicode scalars (code points), like DuckDB's `length` and `substr`
/// and PostgreSQL's: `length('é')` is 1 when precomposed and 2 when written as `e` + combining
/// accent. Scalars are cheap to count and give a position meaning that does not change with the
/// Unicode version, as grapheme clusters would.
///
/// Searching (`replace`, `split_part`, `starts_with`, `ends_with`, `contains`) compares UTF-8
/// bytes, not Swift's canonically-equivalent `Character`s, so that it agrees with `=`, which
/// compares bytes too (see `ValueOps.compare`).
extension ScalarFunction {
  func evaluateString(_ args: [Value]) -> Value {
    switch self {
    case .concat:
      var out = ""
      for v in args { if let t = ValueOps.text(v) { out += t } }
      return .string(out)
    case .concatWS:
      guard case .string(let separator) = args[0] else { return .null }
      let parts = args.dropFirst().compactMap(ValueOps.text)
      return .string(parts.joined(separator: separator))
    default:
      break
    }
    // Every other string function takes strings only.
    var strings: [String] = []
    strings.reserveCapacity(args.count)
    var numbers: [Int64] = []
    for (i, v) in args.enumerated() {
      switch v {
      case .string(let s) where !(self == .substr && i > 0) && !(self == .splitPart && i == 2):
        strings.append(s)
      case .int(let n) where (self == .substr && i > 0) || (self == .splitPart && i == 2):
        numbers.append(n)
      case .double(let d) where (self == .substr && i > 0) || (self == .splitPart && i == 2):
        guard d.isFinite, d == d.rounded(), let n = Int64(exactly: d) else { return .null }
        numbers.append(n)
      default:
        return .null
      }
    }
    let s = strings[0]
    switch self {
    case .lower: return .string(s.lowercased())
    case .upper: return .string(s.uppercased())
    case .length: return .int(Int64(s.unicodeScalars.count))
    case .substr:
      return .string(
        Self.substring(s, start: numbers[0], length: numbers.count > 1 ? numbers[1] : nil))
    case .trim:
      return .string(
        Self.trim(s, strings.count > 1 ? strings[1] : nil, leading: true, trailing: true))
    case .ltrim:
      return .string(
        Self.trim(s, strings.count > 1 ? strings[1] : nil, leading: true, trailing: false))
    case .rtrim:
      return .string(
        Self.trim(s, strings.count > 1 ? strings[1] : nil, leading: false, trailing: true))
    case .replace: return .string(Self.replace(s, strings[1], strings[2]))
    case .splitPart: return .string(Self.splitPart(s, strings[1], numbers[0]))
    case .startsWith: return .bool(s.utf8.starts(with: strings[1].utf8))
    case .endsWith: return .bool(s.utf8.reversed().starts(with: strings[1].utf8.reversed()))
    case .contains:
      return .bool(Self.find(Array(strings[1].utf8), in: Array(s.utf8), from: 0) != nil)
    default: return .null
    }
  }

  /// `substr(s, start[, length])`, 1-based, with DuckDB's rules for odd bounds:
  /// a negative `start` counts from the end (`substr('hello', -3)` is `'llo'`); `start` 0 is
  /// one position before the first character (`substr('hello', 0, 2)` is `'h'`); a negative
  /// `length` takes characters before `start`; anything outside the string is cut off.
  static func substring(_ s: String, start offset: Int64, length: Int64?) -> String {
    let scalars = Array(s.unicodeScalars)
    let size = Int64(scalars.count)
    var length = length ?? Int64.max / 2
    if length == 0 { return "" }
    var start: Int64
    if offset > 0 {
      start = Swift.min(size, offset - 1)
    } else if offset < 0 {
      start = Swift.max(size &+ offset, 0)
    } else {
      start = 0
      length -= 1
      if length <= 0 { return "" }
    }
    var end: Int64
    if length > 0 {
      end = length > size - start ? size : start + length
    } else {
      end = start
      start = length < -start ? 0 : start + length
    }
    guard start < end else { return "" }
    var out = String.UnicodeScalarView()
    out.append(contentsOf: scalars[Int(start)..<Int(end)])
    return String(out)
  }

  /// Removes from the ends the scalars listed in `characters`, or whitespace when nil
  /// (`trim('  x ')` is `'x'`; `trim('xxaxx', 'x')` is `'a'`).
  static func trim(_ s: String, _ characters: String?, leading: Bool, trailing: Bool) -> String {
    let set = characters.map { Set($0.unicodeScalars) }
    let drop: (Unicode.Scalar) -> Bool = { c in
      set.map { $0.contains(c) } ?? c.properties.isWhitespace
    }
    var view = Substring(s).unicodeScalars
    if leading { while let c = view.first, drop(c) { view.removeFirst() } }
    if trailing { while let c = view.last, drop(c) { view.removeLast() } }
    return String(view)
  }

  /// Every occurrence of `target` replaced, left to right without overlaps; an empty target
  /// leaves the string as it is.
  static func replace(_ s: String, _ target: String, _ replacement: String) -> String {
    guard !target.isEmpty else { return s }
    let hay = Array(s.utf8)
    let needle = Array(target.utf8)
    var out: [UInt8] = []
    out.reserveCapacity(hay.count)
    var i = 0
    while let hit = find(needle, in: hay, from: i) {
      out.append(contentsOf: hay[i..<hit])
      out.append(contentsOf: replacement.utf8)
      i = hit + needle.count
    }
    if i == 0 { return s }
    out.append(contentsOf: hay[i...])
    return String(decoding: out, as: UTF8.self)
  }

  /// `split_part(s, delimiter, n)`: the n-th field (1-based; negative counts from the end), or
  /// `''` when there is no such field, as in PostgreSQL. An empty delimiter does not split:
  /// the whole string is field 1 (and -1).
  static func splitPart(_ s: String, _ delimiter: String, _ n: Int64) -> String {
    guard n != 0 else { return "" }
    let hay = Array(s.utf8)
    var fields: [Range<Int>] = []
    if delimiter.isEmpty {
      fields = [0..<hay.count]
    } else {
      let needle = Array(delimiter.utf8)
      var i = 0
      while let hit = find(needle, in: hay, from: i) {
        fields.append(i..<hit)
        i = hit + needle.count
      }
      fields.append(i..<hay.count)
    }
    let count = Int64(fields.count)
    let index = n > 0 ? n - 1 : count + n
    guard index >= 0 && index < count else { return "" }
    return String(decoding: hay[fields[Int(index)]], as: UTF8.self)
  }

  /// The first position at or after `start` where `needle` occurs in `hay`.
  ///
  /// - Complexity: O(*n* × *m*) in the worst case, O(*n*) for typical text.
  static func find(_ needle: [UInt8], in hay: [UInt8], from start: Int) -> Int? {
    if needle.isEmpty { return start <= hay.count ? start : nil }
    guard hay.count >= needle.count else { return nil }
    let first = needle[0]
    var i = start
    let last = hay.count - needle.count
    while i <= last {
      if hay[i] == first {
        var k = 1
        while k < needle.count && hay[i + k] == needle[k] { k += 1 }
        if k == needle.count { return i }
      }
      i += 1
    }
    return nil
  }
}
