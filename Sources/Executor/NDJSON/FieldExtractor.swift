import Planner

/// Validates one NDJSON line as a JSON object and pulls out the requested fields.
///
/// The whole line is checked (string escapes and UTF-8, number grammar, nesting, nothing after
/// the object), but only the requested paths are turned into `Value`s; everything else is walked
/// over without allocating. The paths are merged into a trie (`PathTrie`), so `device.os` and
/// `device.version` cost one walk of `device`.
///
///     let extractor = FieldExtractor(paths: [[.key("user_id")], [.key("device"), .key("os")]])
///     var row = [Value](repeating: .null, count: 2)
///     let error = row.withUnsafeMutableBufferPointer { extractor.extract(line, into: $0.baseAddress!) }
///
/// What each path yields:
/// - a string → `.string` (unescaped; `\uXXXX` surrogate pairs joined, a lone surrogate → U+FFFD);
/// - a number without `.` or exponent that fits in 64 bits → `.int` (so `-0` is `.int(0)`), any
///   other number → `.double`, exact (correctly rounded); a number beyond Double's range
///   (`1e999`) makes the line bad ("number out of range") rather than an infinity that no later
///   arithmetic could make sense of; underflow (`1e-999`) is `0.0`;
/// - `true`/`false` → `.bool`, `null` → `.null`, an object or array → `.json` with its exact text;
/// - a missing member, an index past the end, or a path through a scalar → `.null`.
///
/// Duplicate keys: the last occurrence wins (as in JavaScript and most JSON libraries); the
/// values found under an earlier occurrence are reset to `.null`.
///
/// Nesting deeper than `maxDepth` is an error; the walk is iterative with an explicit stack, so
/// no input can overflow the machine stack.
///
/// Lines in the compact form machines write (no whitespace, escape or non-ASCII byte) take a
/// fast path, `walkCompact`, that stores the same values; anything else, good or bad, is read
/// by `walk`, which alone decides what is wrong with a bad line.
///
/// An extractor keeps scratch state: use one per thread. It is not `Sendable`.
///
/// - Complexity: O(*n*) in the line's length; allocation only for extracted strings and JSON.
public final class FieldExtractor {
  /// The paths, in output order.
  public let paths: [FieldPath]
  /// Containers nested deeper than this make the line bad.
  public let maxDepth: Int
  /// The default nesting limit.
  public static let defaultMaxDepth = 512

  let trie: PathTrie

  /// One open container on the walk.
  struct Frame {
    /// The trie node the container was reached by, or -1 when nothing below it is wanted.
    var node: Int32
    var isObject: Bool
    /// The number of the element being read, for arrays.
    var index: Int
    /// Where the container's `{` or `[` is, for `.json` text.
    var start: Int
  }

  let frames: UnsafeMutablePointer<Frame>
  /// Keys seen at each position of the objects walked, for the next line.
  let keyCache: KeyCache
  /// The top-level keys of compact lines, colon included (`walkCompact`).
  let rootKeys = RootKeyCache()
  /// Unwanted containers of compact lines already validated (`walkCompact`).
  let skipped = RepeatedValueCache()
  /// Per trie node, what becomes of a wanted string there: `StringMode.build`, `.time` (read
  /// as event time, `timeSlots`) or `.deferred` (left as a span, `deferredSlots`).
  let stringModes: UnsafeMutablePointer<UInt8>
  /// Parses the strings of `.time` nodes.
  var times = EventTimeParser()
  /// The member of the top-level object whose strings are read as event time (a `.time`
  /// child of the root with one output slot and no node below it), or -2 when there is none:
  /// `compactObject` reads it first (`leadingTime`) when a line starts with it.
  let rootTimeNode: Int32
  /// The output slot of `rootTimeNode`.
  let rootTimeSlot: Int
  /// `SmallASCIIString.isAvailable`, read once.
  let smallStrings = SmallASCIIString.isAvailable
  /// The `timeSlots` it was made with.
  let timeSlots: Set<Int>
  /// The `deferredSlots` it was made with.
  let deferredSlots: Set<Int>
  /// The output slots of `.deferred` nodes, each with its node, for `buildDeferred`.
  let deferredOutputs: [(slot: Int, node: Int32)]

  /// Compiles `paths` into a trie. Paths may repeat and share prefixes; the empty path names the
  /// whole line.
  public convenience init(paths: [FieldPath], maxDepth: Int = FieldExtractor.defaultMaxDepth) {
    self.init(paths: paths, maxDepth: maxDepth, timeSlots: [])
  }

  /// An extractor for the per-line scan, kept from piece to piece.
  ///
  /// - `timeSlots`: output slots read only as event time. A string there that
  ///   `Timestamp.parse` accepts is stored as `.timestamp` (what the event-time expression
  ///   would make of the string), skipping the `String`; any other string stays a string.
  /// - `deferredSlots`: output slots whose strings the compact walk leaves unbuilt, storing
  ///   their span instead (see `FieldExtractor+Deferred.swift`); none may be a time slot.
  init(paths: [FieldPath], maxDepth: Int, timeSlots: Set<Int>, deferredSlots: Set<Int> = []) {
    precondition(maxDepth > 0)
    precondition(timeSlots.isDisjoint(with: deferredSlots))
    self.paths = paths
    self.maxDepth = maxDepth
    self.timeSlots = timeSlots
    self.deferredSlots = deferredSlots
    let trie = PathTrie(paths: paths)
    self.trie = trie
    self.frames = .allocate(capacity: maxDepth)
    self.keyCache = KeyCache(nodeCount: trie.nodes.count)
    let nodeCount = trie.nodes.count
    stringModes = .allocate(capacity: max(1, nodeCount))
    var deferredOutputs: [(slot: Int, node: Int32)] = []
    for node in 0..<nodeCount {
      let entry = trie.nodes[node]
      let slots = (0..<Int(entry.outputCount)).map { Int(trie.outputs[Int(entry.outputStart) + $0]) }
      if !slots.isEmpty && slots.allSatisfy(timeSlots.contains) {
        stringModes[node] = StringMode.time
      } else if !slots.isEmpty && slots.allSatisfy(deferredSlots.contains) {
        stringModes[node] = StringMode.deferred
        deferredOutputs += slots.map { ($0, Int32(node)) }
      } else {
        stringModes[node] = StringMode.build
      }
    }
    self.deferredOutputs = deferredOutputs
    let root = trie.nodes[0]
    let members = (0..<Int(root.keyCount)).map { trie.keyEdges[Int(root.keyStart) + $0].child }
    let modes = stringModes
    let time = members.first {
      let node = trie.nodes[Int($0)]
      return modes[Int($0)] == StringMode.time && node.outputCount == 1 && node.resetCount == 0
    }
    rootTimeNode = time ?? -2
    rootTimeSlot = time.map { Int(trie.outputs[Int(trie.nodes[Int($0)].outputStart)]) } ?? 0
  }

  deinit {
    frames.deallocate()
    keyCache.deallocate()
    rootKeys.deallocate()
    skipped.deallocate()
    stringModes.deallocate()
  }

  /// Checks `line` and writes the value of each path into `out[0..<paths.count]`.
  ///
  /// `out` must point to `paths.count` initialized values; they are overwritten (set to `.null`
  /// first). Returns nil for a good line. On a bad line the error says why and the values in `out`
  /// are unspecified: the row is to be dropped.
  public func extract(_ line: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<Value>)
    -> ScanError?
  {
    for slot in 0..<paths.count { out[slot] = .null }
    if let base = line.baseAddress,
      walkCompact(base.assumingMemoryBound(to: UInt8.self), line.count, into: out)
    {
      return nil
    }
    // Anything unusual (or bad): the full walk decides, from a clean row.
    for slot in 0..<paths.count { out[slot] = .null }
    return walk(line, into: out, requireObject: true)
  }

  /// `extract(_:into:)` for a row whose slots all hold `.null` already (a row just appended).
  func extract(_ line: UnsafeRawBufferPointer, intoNulls out: UnsafeMutablePointer<Value>)
    -> ScanError?
  {
    if let base = line.baseAddress,
      walkCompact(base.assumingMemoryBound(to: UInt8.self), line.count, into: out)
    {
      return nil
    }
    for slot in 0..<paths.count { out[slot] = .null }
    return walk(line, into: out, requireObject: true)
  }

  /// Checks `line` and returns the values of the paths, or the reason the line is bad.
  public func extract(_ line: UnsafeRawBufferPointer) -> Result<[Value], ScanError> {
    var row = [Value](repeating: .null, count: paths.count)
    let error = row.withUnsafeMutableBufferPointer { buffer -> ScanError? in
      // An empty array's buffer may have no address: give the walk somewhere to point.
      guard let base = buffer.baseAddress else {
        var none = Value.null
        return walk(line, into: &none, requireObject: true)
      }
      return walk(line, into: base, requireObject: true)
    }
    if let error { return .failure(error) }
    return .success(row)
  }

  /// The walk itself: one value (an object when `requireObject`), then only whitespace. `out`
  /// must already hold `.null` in every slot.
  func walk(
    _ line: UnsafeRawBufferPointer, into out: UnsafeMutablePointer<Value>, requireObject: Bool
  ) -> ScanError? {
    let n = line.count
    guard n > 0, let raw = line.baseAddress else { return .emptyLine }
    let p = raw.assumingMemoryBound(to: UInt8.self)
    let trie = self.trie
    // The tables as locals: plain pointers the optimizer keeps in registers.
    let nodes = trie.nodes
    let resets = trie.resets
    let outputs = trie.outputs
    @inline(__always) func store(_ value: Value, _ node: Int32) {
      let entry = nodes[Int(node)]
      let start = Int(entry.outputStart)
      for k in 0..<Int(entry.outputCount) { out[Int(outputs[start &+ k])] = value }
    }
    let frames = self.frames
    let maxDepth = self.maxDepth
    var i = Self.skipSpace(p, n, 0)
    guard i < n else { return .emptyLine }
    var node: Int32 = 0
    if requireObject && p[i] != UInt8(ascii: "{") {
      // Tell "not JSON at all" from "JSON, but not an object": validate with nothing wanted.
      node = -1
    }
    var depth = 0

    value: while true {
      // Read one value starting at i (after whitespace), reached through trie node `node`.
      i = Self.skipSpace(p, n, i)
      guard i < n else { return ScanError.unexpected(p, n, at: i) }
      if node > 0 {
        // A key seen again must not leave values from its earlier occurrence (the root was reset
        // by the caller).
        let entry = nodes[Int(node)]
        for r in 0..<Int(entry.resetCount) { out[Int(resets[Int(entry.resetStart) &+ r])] = .null }
      }
      let c = p[i]
      switch c {
      case UInt8(ascii: "{"), UInt8(ascii: "["):
        guard depth < maxDepth else { return .tooDeep(maxDepth, at: i) }
        let isObject = c == UInt8(ascii: "{")
        frames[depth] = Frame(node: node, isObject: isObject, index: 0, start: i)
        depth &+= 1
        i = Self.skipSpace(p, n, i &+ 1)
        guard i < n else { return ScanError.unexpected(p, n, at: i) }
        if p[i] != (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
          if isObject {
            if let error = readKey(p, n, &i, parent: node, position: 0, child: &node) {
              return error
            }
          } else {
            node = node >= 0 ? trie.child(node, index: 0) : -1
          }
          continue value
        }
      // An empty container: close it below like any other.
      case UInt8(ascii: "\""):
        if node >= 0 && nodes[Int(node)].outputCount > 0 {
          var v = Value.null
          if let error = readWantedString(p, n, &i, node: node, into: &v) { return error }
          store(v, node)
        } else {
          var escaped = false
          if let error = Self.skipString(p, n, &i, escaped: &escaped) { return error }
        }
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        if node >= 0 && nodes[Int(node)].outputCount > 0 {
          var v = Value.null
          if let error = Self.readNumber(p, n, &i, materialize: true, into: &v) { return error }
          store(v, node)
        } else {
          var v = Value.null
          if let error = Self.readNumber(p, n, &i, materialize: false, into: &v) { return error }
        }
      case UInt8(ascii: "t"):
        guard Self.matches(p, n, i, 0x74, 0x72, 0x75, 0x65) else { return Self.badWord(p, n, i) }
        i &+= 4
        if node >= 0 { store(.bool(true), node) }
      case UInt8(ascii: "f"):
        guard i &+ 5 <= n, p[i &+ 4] == 0x65, Self.matches(p, n, i, 0x66, 0x61, 0x6C, 0x73) else {
          return Self.badWord(p, n, i)
        }
        i &+= 5
        if node >= 0 { store(.bool(false), node) }
      case UInt8(ascii: "n"):
        guard Self.matches(p, n, i, 0x6E, 0x75, 0x6C, 0x6C) else { return Self.badWord(p, n, i) }
        i &+= 4
        if node >= 0 { store(.null, node) }
      default:
        return c >= 0x80 ? Self.utf8OrUnexpected(p, n, i) : ScanError.unexpected(p, n, at: i)
      }

      // After a value: a separator, a closing bracket, or the end of the line.
      while true {
        if depth == 0 {
          i = Self.skipSpace(p, n, i)
          guard i == n else { return ScanError.unexpected(p, n, at: i) }
          if node == -1 && requireObject { return .notAnObject(first: p[Self.skipSpace(p, n, 0)]) }
          return nil
        }
        i = Self.skipSpace(p, n, i)
        guard i < n else { return ScanError.unexpected(p, n, at: i) }
        let top = frames[depth &- 1]
        let d = p[i]
        if d == UInt8(ascii: ",") {
          i = Self.skipSpace(p, n, i &+ 1)
          if top.isObject {
            let position = top.index &+ 1
            frames[depth &- 1].index = position
            if let error = readKey(p, n, &i, parent: top.node, position: position, child: &node) {
              return error
            }
          } else {
            let index = top.index &+ 1
            frames[depth &- 1].index = index
            node = top.node >= 0 ? trie.child(top.node, index: index) : -1
          }
          continue value
        }
        guard d == (top.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
          return ScanError.unexpected(p, n, at: i)
        }
        i &+= 1
        depth &-= 1
        node = top.node
        if node >= 0 && nodes[Int(node)].outputCount > 0 {
          let text = String(
            decoding: UnsafeRawBufferPointer(start: p + top.start, count: i &- top.start),
            as: UTF8.self)
          store(.json(text), node)
        }
      }
    }
  }

  /// Reads the string whose `"` is at `i` into `v` as trie node `node` wants it (see
  /// `stringKinds`); leaves `i` after it.
  @inline(__always)
  func readWantedString(
    _ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int, node: Int32, into v: inout Value
  ) -> ScanError? {
    let open = i
    var escaped = false
    if let error = Self.skipString(p, n, &i, escaped: &escaped) { return error }
    let start = open &+ 1
    let end = i &- 1
    if escaped {
      var s = ""
      var j = open
      _ = Self.readString(p, n, &j, into: &s)
      v = .string(s)
      return nil
    }
    v = stringValue(p, n, start, end, node: node, ascii: false)
    return nil
  }

  /// The value of the validated, unescaped string `p[start..<end]` at trie node `node`;
  /// `ascii` when the scan saw only ASCII in it.
  ///
  /// With `ascii` (from the compact walk alone), a string of a `.deferred` node is left as its
  /// span (`deferredSpan`); `buildDeferred` builds it later as `text` does here.
  @inline(never)
  func stringValue(
    _ p: UnsafePointer<UInt8>, _ n: Int, _ start: Int, _ end: Int, node: Int32, ascii: Bool
  ) -> Value {
    let mode = stringModes[Int(node)]
    if mode == StringMode.time {
      return timeValue(p, n, start, end, ascii: ascii)
    } else if mode == StringMode.deferred && ascii && end <= Self.maxDeferredOffset {
      return Self.deferredSpan(start, end)
    }
    return text(p, n, start, end, ascii: ascii)
  }

  /// `stringValue` at a `.time` node: `.timestamp` when the string parses, else the string.
  @inline(never)
  func timeValue(
    _ p: UnsafePointer<UInt8>, _ n: Int, _ start: Int, _ end: Int, ascii: Bool = true
  ) -> Value {
    if let ms = times.parse(p, start, end) { return .timestamp(ms) }
    return text(p, n, start, end, ascii: ascii)
  }

  /// The string `p[start..<end]`, validated and unescaped, as a `.string`: laid out directly
  /// when short and `ascii`, else decoded.
  @inline(__always)
  func text(_ p: UnsafePointer<UInt8>, _ n: Int, _ start: Int, _ end: Int, ascii: Bool) -> Value {
    if ascii && end &- start <= 15 && smallStrings {
      return .string(SmallASCIIString.make(p, n, start, end))
    }
    return .string(
      String(decoding: UnsafeBufferPointer(start: p + start, count: end &- start), as: UTF8.self))
  }

  /// Reads `"key"` and the `:` after it at `i`; sets `child` to the trie node the key leads to
  /// from `parent` (-1 when unwanted), leaves `i` after the colon.
  @inline(__always)
  func readKey(
    _ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int, parent: Int32, position: Int,
    child: inout Int32
  ) -> ScanError? {
    guard i < n, p[i] == UInt8(ascii: "\"") else { return ScanError.unexpected(p, n, at: i) }
    let start = i &+ 1
    if parent >= 0,
      let cached = keyCache.lookup(node: parent, position: position, p, n, start, end: &i)
    {
      child = cached
    } else {
      do throws(ScanError) {
        try readNewKey(p, n, &i, start: start, parent: parent, position: position, child: &child)
      } catch {
        return error
      }
    }
    i = Self.skipSpace(p, n, i)
    guard i < n, p[i] == UInt8(ascii: ":") else { return ScanError.unexpected(p, n, at: i) }
    i &+= 1
    return nil
  }

  /// `readKey` for a key the cache does not know: validated, looked up, remembered.
  @inline(__always)
  private func readNewKey(
    _ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int, start: Int, parent: Int32, position: Int,
    child: inout Int32
  ) throws(ScanError) {
    var escaped = false
    if let error = Self.skipString(p, n, &i, escaped: &escaped) { throw error }
    if parent < 0 || trie.nodes[Int(parent)].keyCount == 0 {
      child = -1
      if parent >= 0 && !escaped {
        keyCache.store(node: parent, position: position, p, start, i &- 1, child: -1)
      }
    } else if !escaped {
      child = trie.child(parent, key: p, start, i &- 1)
      keyCache.store(node: parent, position: position, p, start, i &- 1, child: child)
    } else {
      // Rare: compare the unescaped key.
      var key = ""
      var j = start &- 1
      _ = Self.readString(p, n, &j, into: &key)
      child =
        key.utf8.withContiguousStorageIfAvailable { buffer in
          trie.child(parent, key: buffer.baseAddress!, 0, buffer.count)
        } ?? -1
    }
  }

  @inline(__always)
  static func skipSpace(_ p: UnsafePointer<UInt8>, _ n: Int, _ from: Int) -> Int {
    var i = from
    while i < n {
      let c = p[i]
      guard c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { break }
      i &+= 1
    }
    return i
  }

  /// True when the four bytes at `i` are `a b c d`.
  @inline(__always)
  static func matches(
    _ p: UnsafePointer<UInt8>, _ n: Int, _ i: Int, _ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8
  ) -> Bool {
    i &+ 4 <= n && p[i] == a && p[i &+ 1] == b && p[i &+ 2] == c && p[i &+ 3] == d
  }

  /// The error for a bare word that is not `true`, `false` or `null`, at its first wrong byte.
  static func badWord(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: Int) -> ScanError {
    let word: [UInt8] =
      p[i] == UInt8(ascii: "t")
      ? Array("true".utf8) : p[i] == UInt8(ascii: "f") ? Array("false".utf8) : Array("null".utf8)
    var k = 0
    while k < word.count && i &+ k < n && p[i &+ k] == word[k] { k += 1 }
    return ScanError.unexpected(p, n, at: i &+ k)
  }

  /// A non-ASCII byte where a value was expected: invalid UTF-8 if it is, else unexpected.
  static func utf8OrUnexpected(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: Int) -> ScanError {
    var j = i
    if validateUTF8(p, n, &j) { return ScanError.unexpected(p, n, at: i) }
    return .invalidUTF8(at: i)
  }
}
