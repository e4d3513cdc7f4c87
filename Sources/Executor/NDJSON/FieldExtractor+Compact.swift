import Planner

/// The fast path of the scan: a line written the way machines write NDJSON.
///
/// `walkCompact` accepts only an object with no whitespace outside strings, no escape and no
/// byte outside printable ASCII in any string, and nesting at most 64 deep; on anything else,
/// valid or not, it gives up and `walk` reads the line from the start. What it accepts is valid
/// JSON, and it stores exactly what `walk` would store: it is `walk` with the cases it leaves
/// out removed, which keeps the loop small enough for the compiler to hold its state in
/// registers (the full walk spilled a dozen of them on every value).
///
/// - Complexity: O(*n*); strings are crossed 16 bytes at a time.
extension FieldExtractor {
  /// Reads `p[0..<n]` into `out` (which holds `.null` in every slot); false when the line is
  /// not in the compact form, with `out` then unspecified.
  func walkCompact(_ p: UnsafePointer<UInt8>, _ n: Int, into out: UnsafeMutablePointer<Value>)
    -> Bool
  {
    guard n >= 2, p[n &- 1] == UInt8(ascii: "}") else { return false }
    return compactObject(p, n, into: out) == n
  }

  /// Reads the object in the compact form at `p[0]` into `out` (which holds `.null` in every
  /// slot) and returns the index just past its closing `}`, whatever follows; -1 when the bytes
  /// there are not an object in the compact form, with `out` then unspecified.
  ///
  /// `p[n - 1]` must be `}` or `\n`: `n` may be a line's length (`walkCompact`) or what is
  /// left of a piece of lines (`ScanJob`, which so finds the line's end without searching for
  /// it). Either byte ends no key or scalar (each ends with a quote, a digit, a colon or a
  /// letter), so every one read below ends before `p[n - 1]` and no index check is needed
  /// after one; a container may end at the last byte and is checked. Nothing of the compact
  /// form holds a `\n` (strings refuse control bytes, and there is no whitespace outside them),
  /// so with a piece's bound the walk refuses at the line's `\n` at the latest, and what its
  /// vector loads read beyond that (never past `p[n - 1]`) decides nothing: the same values,
  /// and the same answer, as with the line's own bound.
  ///
  /// The members of the top-level object, nearly always scalars, are read by this flat loop;
  /// a member that is an object or array goes to `compactValue`, and a first member that is
  /// the event time of the minute read last to `leadingTime`, before the loop.
  func compactObject(_ p: UnsafePointer<UInt8>, _ n: Int, into out: UnsafeMutablePointer<Value>)
    -> Int
  {
    guard n >= 2, p[0] == UInt8(ascii: "{"), maxDepth > 0 else { return -1 }
    let nodes = trie.nodes
    let outputs = trie.outputs
    var i = 1
    var position = 0
    if p[1] != UInt8(ascii: "}") {
      // Nearly every line of a stream timestamped by a member starts with it: read here, out
      // of the loop, which so has no test for it (one there cost Q1, with no event time,
      // more than it saved).
      if rootTimeNode > 0 { i = leadingTime(p, n, into: out) }
      // The index is never passed inout (nor anything else this loop keeps): the helpers out
      // of line return the next index, -1 when the line is not in the compact form.
      while true {
        var node: Int32
        if let hit = rootKeys.lookup(p, n, i, position: position) {
          node = hit.child
          i = hit.next
          position = hit.position
        } else {
          guard let miss = rootKeyMiss(p, n, i, position: position) else { return -1 }
          node = miss.child
          i = miss.next
        }
        // Members of the root are nodes 1 and up; -1 when unwanted.
        // The node's output slots, kept from here to the store.
        var slots = Int32(0)
        var slotCount = Int32(0)
        if node > 0 {
          let entry = nodes[Int(node)]
          // A key seen again must not leave values from its earlier occurrence.
          if entry.resetCount != 0 { resetBelow(entry, out) }
          slots = entry.outputStart
          slotCount = entry.outputCount
        }
        let wants = slotCount > 0
        @inline(__always) func store(_ value: consuming Value) {
          Self.store(value, outputs, Int(slots), count: slotCount, into: out)
        }
        // The common kinds inline (strings, short numbers, `null`), the rest out of line.
        let c = p[i]
        if c == UInt8(ascii: "\"") {
          let start = i &+ 1
          guard let end = Self.compactStringEnd(p, n, start) else { return -1 }
          i = end &+ 1
          if wants { store(compactStringValue(p, n, start, end, node: node)) }
        } else if c &- 0x30 < 10 || c == UInt8(ascii: "-") {
          let number = Self.compactNumber(p, n, i, materialize: wants)
          if number.end >= 0 {
            i = number.end
            if wants { store(number.value) }
          } else {
            i = generalNumber(p, n, i, node: wants ? node : -1, into: out)
            guard i >= 0 else { return -1 }
          }
        } else if c == UInt8(ascii: "n") && i &+ 4 <= n
          && UnsafeRawPointer(p + i).loadUnaligned(as: UInt32.self)
            == UInt32(littleEndian: 0x6C6C_756E)  // "null"
        {
          i &+= 4
          if wants { store(.null) }
        } else if node < 0 && (c == UInt8(ascii: "{") || c == UInt8(ascii: "[")) {
          i = skipMember(p, n, i)
          guard i >= 0 && i < n else { return -1 }
        } else {
          i = compactMember(p, n, i, node: node, into: out)
          guard i >= 0 && i < n else { return -1 }
        }
        if p[i] == UInt8(ascii: ",") {
          i &+= 1
          position &+= 1
          continue
        }
        break
      }
    }
    // The closing brace; what follows it is the caller's to check.
    guard p[i] == UInt8(ascii: "}") else { return -1 }
    let end = i &+ 1
    if nodes[0].outputCount > 0 { storeCompact(wholeObject(p, end), 0, into: out) }
    return end
  }

  /// Reads the first member of the line when it is `rootTimeNode`'s with a time in the minute
  /// read last (`EventTimeParser.sameMinuteString`) and a comma after it: the time is stored
  /// and the index after the comma returned. For anything else it returns 1, stores nothing,
  /// and the loop reads the line from its first member as if this had not been tried.
  ///
  /// What the loop's first turn would do for such a member, in its order: the key from
  /// `RootKeyCache` (a miss is left to the loop), no resets (`rootTimeNode` has none below
  /// it), the string's end (which `sameMinuteString` shows needs no search), the time
  /// `compactStringCall` would make of it, the store, and the separator. The loop then reads
  /// the next key at position 0, where the cache's neighbour probe finds it at 1: carrying
  /// the position out of here, tried too, cost the loop a register (~3 instructions a member).
  @inline(never)
  func leadingTime(_ p: UnsafePointer<UInt8>, _ n: Int, into out: UnsafeMutablePointer<Value>)
    -> Int
  {
    guard let hit = rootKeys.lookup(p, n, 1, position: 0), hit.child == rootTimeNode,
      p[hit.next] == UInt8(ascii: "\""), let ms = times.sameMinuteString(p, n, hit.next &+ 1),
      p[hit.next &+ 26] == UInt8(ascii: ",")
    else { return 1 }
    // The line's first member: its slot still holds the `.null` the caller put there, with
    // nothing to destroy (`storeCompact` would test for that).
    (out + rootTimeSlot).initialize(to: .timestamp(ms))
    return hit.next &+ 27
  }

  /// A top-level key `RootKeyCache` did not know at `i`: read, resolved and remembered.
  ///
  /// Nil when it is not a key of the compact form.
  @inline(never)
  func rootKeyMiss(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: Int, position: Int)
    -> (child: Int32, next: Int)?
  {
    var next = i
    var child: Int32 = -1
    guard compactKey(p, n, &next, parent: 0, position: position, child: &child) else {
      return nil
    }
    rootKeys.store(p, i, next, child: child, position: position)
    return (child, next)
  }

  /// Resets the slots below `entry`, a node reached again (a duplicate key).
  @inline(never)
  func resetBelow(_ entry: PathTrie.Node, _ out: UnsafeMutablePointer<Value>) {
    let resets = trie.resets
    for r in 0..<Int(entry.resetCount) {
      out[Int(resets[Int(entry.resetStart) &+ r])] = .null
    }
  }

  /// A number of the top-level object that `compactNumber` leaves to `readNumber`.
  ///
  /// Stored at `node` unless that is -1. Returns the index after it, or -1 when it is not a
  /// number.
  @inline(never)
  func generalNumber(
    _ p: UnsafePointer<UInt8>, _ n: Int, _ i: Int, node: Int32,
    into out: UnsafeMutablePointer<Value>
  ) -> Int {
    var j = i
    var v = Value.null
    guard Self.readNumber(p, n, &j, materialize: node >= 0, into: &v) == nil else { return -1 }
    if node >= 0 { storeCompact(v, node, into: out) }
    return j
  }

  /// An unwanted container in the top-level object: the index after it, or -1 when it is not
  /// in the compact form. Answered from `skipped` when the same bytes were validated before
  /// (see `RepeatedValueCache`); the depth limit matters only to the walk of a miss.
  @inline(never)
  func skipMember(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: Int) -> Int {
    if let length = RepeatedValueCache.candidateLength(p, n, i),
      skipped.contains(p, i, length: length)
    {
      return i &+ length
    }
    // The top-level object is one level; what nests below it may use the rest.
    return skipAndRemember(p, n, from: i, depthLimit: min(maxDepth &- 1, 63)) ?? -1
  }

  /// The members of the top-level object `walkCompact` leaves out of its loop.
  ///
  /// Wanted containers, `true`, `false`, and whatever else (which it rejects). Returns the
  /// index after the value, or -1 when it is not in the compact form.
  @inline(never)
  func compactMember(
    _ p: UnsafePointer<UInt8>, _ n: Int, _ i: Int, node: Int32,
    into out: UnsafeMutablePointer<Value>
  ) -> Int {
    let c = p[i]
    if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
      // The top-level object is one level; what nests below it may use the rest.
      let limit = min(maxDepth &- 1, 63)
      if node < 0 { return skipMember(p, n, i) }
      return compactValue(p, n, from: i, node: node, depthLimit: limit, into: out) ?? -1
    } else if c == UInt8(ascii: "t") {
      guard Self.matches(p, n, i, 0x74, 0x72, 0x75, 0x65) else { return -1 }
      if node >= 0 { storeCompact(.bool(true), node, into: out) }
      return i &+ 4
    } else if c == UInt8(ascii: "f") {
      guard i &+ 5 <= n, p[i &+ 4] == 0x65, Self.matches(p, n, i, 0x66, 0x61, 0x6C, 0x73)
      else { return -1 }
      if node >= 0 { storeCompact(.bool(false), node, into: out) }
      return i &+ 5
    }
    // `null` the loop's test missed is not `null`; anything else is no value.
    return -1
  }

  /// `stringValue` for a string of the compact form (printable ASCII, no escape): a short one,
  /// neither read as event time nor deferred, is made here, inline; anything else takes the
  /// call (`compactStringCall`).
  @inline(__always)
  func compactStringValue(
    _ p: UnsafePointer<UInt8>, _ n: Int, _ start: Int, _ end: Int, node: Int32
  ) -> Value {
    if end &- start <= 15 && smallStrings && stringModes[Int(node)] == StringMode.build {
      return .string(SmallASCIIString.make(p, n, start, end))
    }
    return compactStringCall(p, n, start, end, node: node)
  }

  /// `stringValue(..., ascii: true)` for what `compactStringValue` leaves to a call: what
  /// `stringValue` would return, with the placeholder of a deferred string made here.
  ///
  /// `stringValue` saves half a dozen registers for its event-time parse before it looks at
  /// the mode (~33 instructions for a placeholder). Here the placeholder (every deferred
  /// string of a prefiltered scan) and an event time in the minute read last
  /// (`EventTimeParser.sameMinute`, nearly every one) are made with scratch registers alone;
  /// another time goes to its full parse (`timeValue`), and a long string to build to
  /// `stringValue`. The walk's loop calls this as it called `stringValue`, so it compiles as
  /// before (a test of the mode there, tried too, cost the loop registers).
  @inline(never)
  func compactStringCall(
    _ p: UnsafePointer<UInt8>, _ n: Int, _ start: Int, _ end: Int, node: Int32
  ) -> Value {
    let mode = stringModes[Int(node)]
    if mode == StringMode.deferred && end <= Self.maxDeferredOffset {
      return Self.deferredSpan(start, end)
    }
    if mode == StringMode.time {
      if let ms = times.sameMinute(p, start, end) { return .timestamp(ms) }
      return timeValue(p, n, start, end)
    }
    return stringValue(p, n, start, end, node: node, ascii: true)
  }

  /// Stores `value` in the `count` output slots listed from `outputs[start]` (a node's part of
  /// `trie.outputs`), moving it into the first when there is only one.
  @inline(__always)
  static func store(
    _ value: consuming Value, _ outputs: UnsafeMutableBufferPointer<Int32>, _ start: Int,
    count: Int32, into out: UnsafeMutablePointer<Value>
  ) {
    guard count == 1 else {
      for k in 0..<Int(count) { put(copy value, at: out + Int(outputs[start &+ k])) }
      return
    }
    put(value, at: out + Int(outputs[start]))
  }

  /// Stores `value` in the output slots of trie node `node`.
  ///
  /// `value` is consumed: with one slot (nearly always) it moves there, with no copy and so no
  /// retain and release of a string's storage.
  @inline(__always)
  func storeCompact(_ value: consuming Value, _ node: Int32, into out: UnsafeMutablePointer<Value>) {
    let entry = trie.nodes[Int(node)]
    let start = Int(entry.outputStart)
    let count = Int(entry.outputCount)
    guard count == 1 else {
      for k in 0..<count { Self.put(copy value, at: out + Int(trie.outputs[start &+ k])) }
      return
    }
    Self.put(value, at: out + Int(trie.outputs[start]))
  }

  /// Moves `value` into `slot`.
  @inline(__always)
  static func put(_ value: consuming Value, at slot: UnsafeMutablePointer<Value>) {
    // Usually the slot still holds its `.null`: nothing to destroy, only to write.
    if case .null = slot.pointee {
      slot.initialize(to: value)
    } else {
      slot.pointee = value
    }
  }

  /// Reads the one value (of any kind) at `start`, reached through trie node `first`, and
  /// returns the index after it; nil when it is not in the compact form. Containers may nest
  /// `depthLimit` deep below it.
  func compactValue(
    _ p: UnsafePointer<UInt8>, _ n: Int, from start: Int, node first: Int32, depthLimit: Int,
    into out: UnsafeMutablePointer<Value>
  ) -> Int? {
    let trie = self.trie
    let nodes = trie.nodes
    let resets = trie.resets
    @inline(__always) func store(_ value: Value, _ node: Int32) {
      storeCompact(value, node, into: out)
    }
    @inline(__always) func wanted(_ node: Int32) -> Bool {
      node >= 0 && nodes[Int(node)].outputCount > 0
    }
    let frames = self.frames
    var i = start
    var node = first
    var depth = 0

    value: while true {
      guard i < n else { return nil }
      if node > 0 {
        let entry = nodes[Int(node)]
        for r in 0..<Int(entry.resetCount) { out[Int(resets[Int(entry.resetStart) &+ r])] = .null }
      }
      let c = p[i]
      switch c {
      case UInt8(ascii: "\""):
        let start = i &+ 1
        guard let end = Self.compactStringEnd(p, n, start) else { return nil }
        i = end &+ 1
        if wanted(node) { store(compactStringValue(p, n, start, end, node: node), node) }
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        var v = Value.null
        let wants = wanted(node)
        if !Self.compactNumber(p, n, &i, materialize: wants, into: &v) {
          guard Self.readNumber(p, n, &i, materialize: wants, into: &v) == nil else {
            return nil
          }
        }
        if wants { store(v, node) }
      case UInt8(ascii: "{"), UInt8(ascii: "["):
        guard depth < depthLimit else { return nil }
        let isObject = c == UInt8(ascii: "{")
        frames[depth] = Frame(node: node, isObject: isObject, index: 0, start: i)
        depth &+= 1
        i &+= 1
        guard i < n else { return nil }
        if p[i] != (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
          if isObject {
            guard compactKey(p, n, &i, parent: node, position: 0, child: &node) else {
              return nil
            }
          } else {
            node = node >= 0 ? trie.child(node, index: 0) : -1
          }
          continue value
        }
      // An empty container: closed below like any other.
      case UInt8(ascii: "t"):
        guard Self.matches(p, n, i, 0x74, 0x72, 0x75, 0x65) else { return nil }
        i &+= 4
        if node >= 0 { store(.bool(true), node) }
      case UInt8(ascii: "f"):
        guard i &+ 5 <= n, p[i &+ 4] == 0x65, Self.matches(p, n, i, 0x66, 0x61, 0x6C, 0x73) else {
          return nil
        }
        i &+= 5
        if node >= 0 { store(.bool(false), node) }
      case UInt8(ascii: "n"):
        guard Self.matches(p, n, i, 0x6E, 0x75, 0x6C, 0x6C) else { return nil }
        i &+= 4
        if node >= 0 { store(.null, node) }
      default:
        return nil
      }

      // After a value: a separator, a closing bracket, or the end of the line.
      while true {
        if depth == 0 { return i }
        guard i < n else { return nil }
        let top = frames[depth &- 1]
        let d = p[i]
        if d == UInt8(ascii: ",") {
          i &+= 1
          let position = top.index &+ 1
          frames[depth &- 1].index = position
          if top.isObject {
            guard compactKey(p, n, &i, parent: top.node, position: position, child: &node) else {
              return nil
            }
          } else {
            node = top.node >= 0 ? trie.child(top.node, index: position) : -1
          }
          continue value
        }
        guard d == (top.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { return nil }
        i &+= 1
        depth &-= 1
        node = top.node
        if wanted(node) {
          let text = String(
            decoding: UnsafeRawBufferPointer(start: p + top.start, count: i &- top.start),
            as: UTF8.self)
          store(.json(text), node)
        }
      }
    }
  }

  /// `skipMember` on a miss: the walk, then the container remembered when it qualifies.
  @inline(never)
  func skipAndRemember(_ p: UnsafePointer<UInt8>, _ n: Int, from start: Int, depthLimit: Int)
    -> Int?
  {
    guard let end = Self.skipCompact(p, n, from: start, depthLimit: depthLimit) else { return nil }
    if let length = RepeatedValueCache.candidateLength(p, n, start), end &- start == length {
      skipped.store(p, start, length: length)
    }
    return end
  }

  /// Checks the container at `start`, below which nothing is wanted, and returns the index
  /// after it; nil when it is not in the compact form. The same checks as `compactValue` with
  /// no trie, no key cache and no frames: a bit per level says object or array.
  static func skipCompact(_ p: UnsafePointer<UInt8>, _ n: Int, from start: Int, depthLimit: Int)
    -> Int?
  {
    var i = start
    var objects: UInt64 = 0
    var depth = 0
    // A member of an object comes next: its `"key":` first (read in this one place).
    var atKey = false
    value: while true {
      if atKey {
        guard i < n, p[i] == UInt8(ascii: "\""), let end = compactStringEnd(p, n, i &+ 1),
          end &+ 1 < n, p[end &+ 1] == UInt8(ascii: ":")
        else { return nil }
        i = end &+ 2
      }
      guard i < n else { return nil }
      let c = p[i]
      switch c {
      case UInt8(ascii: "\""):
        guard let end = compactStringEnd(p, n, i &+ 1) else { return nil }
        i = end &+ 1
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        var v = Value.null
        if !compactNumber(p, n, &i, materialize: false, into: &v) {
          guard readNumber(p, n, &i, materialize: false, into: &v) == nil else { return nil }
        }
      case UInt8(ascii: "{"), UInt8(ascii: "["):
        guard depth < depthLimit, depth < 64 else { return nil }
        let isObject = c == UInt8(ascii: "{")
        let bit = UInt64(1) &<< UInt64(depth)
        objects = isObject ? objects | bit : objects & ~bit
        depth &+= 1
        i &+= 1
        guard i < n else { return nil }
        if p[i] != (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
          atKey = isObject
          continue value
        }
      case UInt8(ascii: "t"):
        guard matches(p, n, i, 0x74, 0x72, 0x75, 0x65) else { return nil }
        i &+= 4
      case UInt8(ascii: "f"):
        guard i &+ 5 <= n, p[i &+ 4] == 0x65, matches(p, n, i, 0x66, 0x61, 0x6C, 0x73) else {
          return nil
        }
        i &+= 5
      case UInt8(ascii: "n"):
        guard matches(p, n, i, 0x6E, 0x75, 0x6C, 0x6C) else { return nil }
        i &+= 4
      default:
        return nil
      }
      while true {
        if depth == 0 { return i }
        guard i < n else { return nil }
        let isObject = objects & (UInt64(1) &<< UInt64(depth &- 1)) != 0
        let d = p[i]
        if d == UInt8(ascii: ",") {
          i &+= 1
          atKey = isObject
          continue value
        }
        guard d == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { return nil }
        i &+= 1
        depth &-= 1
      }
    }
  }

  /// `readKey` for the compact form: `"key":` with no space and no escape.
  @inline(__always)
  func compactKey(
    _ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int, parent: Int32, position: Int,
    child: inout Int32
  ) -> Bool {
    guard i < n, p[i] == UInt8(ascii: "\"") else { return false }
    let start = i &+ 1
    if parent >= 0,
      let cached = keyCache.lookup(node: parent, position: position, p, n, start, end: &i)
    {
      // The same bytes as a key already validated and resolved.
      child = cached
    } else {
      guard let end = Self.compactStringEnd(p, n, start) else { return false }
      i = end &+ 1
      if parent < 0 {
        child = -1
      } else {
        child = trie.nodes[Int(parent)].keyCount == 0 ? -1 : trie.child(parent, key: p, start, end)
        keyCache.store(node: parent, position: position, p, start, end, child: child)
      }
    }
    guard i < n, p[i] == UInt8(ascii: ":") else { return false }
    i &+= 1
    return true
  }
}
