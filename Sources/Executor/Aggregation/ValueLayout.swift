import Planner

/// Reads whether a `Value` in memory is a string, and the string's two words, without copying
/// the value.
///
/// Copying a `Value` out of a batch to switch on it retains and later releases its string (an
/// outlined copy and destroy, some 50 instructions a row in Q3's `DistinctTracker` lookup),
/// though a small string has nothing to retain. Swift lays `Value` out as 16 bytes of payload
/// and a tag byte that numbers the case (no payload type has spare bits to hold it: `Int64`
/// uses all of its). That layout is not promised, so `isAvailable` checks it once at run time
/// on a value of every case, and callers copy the value as before when it does not hold.
enum ValueLayout {
  /// The tag byte of `.string`, or nil when the layout is not the one expected.
  private static let stringTag: UInt8? = {
    guard MemoryLayout<Value>.size == 17 else { return nil }
    func tag(_ v: Value) -> UInt8 {
      withUnsafeBytes(of: v) { $0[16] }
    }
    let long = String(repeating: "long string ", count: 4)
    let strings: [Value] = [.string(""), .string("u19023"), .string(long)]
    let others: [Value] = [
      .null, .bool(false), .bool(true), .int(0), .int(-1), .int(0x7FFF_FFFF_FFFF_FFFF),
      .double(0), .double(-.infinity), .double(.nan), .timestamp(0), .timestamp(-1),
      .interval(-1), .json("u19023"), .json(long), .json(""),
    ]
    let t = tag(strings[0])
    guard strings.allSatisfy({ tag($0) == t }), others.allSatisfy({ tag($0) != t }) else {
      return nil
    }
    // The payload is the string itself, bit for bit.
    for v in strings {
      guard case .string(let s) = v,
        withUnsafeBytes(of: v, { $0.load(as: (UInt64, UInt64).self) })
          == unsafeBitCast(s, to: (UInt64, UInt64).self)
      else { return nil }
    }
    return t
  }()

  /// True when `isString(at:)` and `stringWords(at:)` may be used.
  static let isAvailable = stringTag != nil

  /// The tag byte of `.json`, when the layout is the expected one and a small string (which
  /// holds no object) sets bit 61 of its second word while a long one does not: what
  /// `holdsNothing(at:)` relies on.
  private static let jsonTag: UInt8? = {
    guard let stringTag else { return nil }
    func tag(_ v: Value) -> UInt8 { withUnsafeBytes(of: v) { $0[16] } }
    func smallBit(_ s: String) -> Bool { unsafeBitCast(s, to: (UInt64, UInt64).self).1 >> 61 & 1 == 1 }
    let long = String(repeating: "long string ", count: 4)
    let json = [Value.json(""), .json("u19023"), .json(long)]
    let j = tag(json[0])
    guard j != stringTag, json.allSatisfy({ tag($0) == j }) else { return nil }
    let plain: [Value] = [
      .null, .bool(false), .bool(true), .int(0), .int(-1), .double(.nan), .timestamp(-1),
      .interval(-1),
    ]
    guard plain.allSatisfy({ tag($0) != j && tag($0) != stringTag }) else { return nil }
    guard smallBit(""), smallBit("u19023"), smallBit("ünï"), !smallBit(long),
      !smallBit(String(decoding: Array(long.utf8), as: UTF8.self))
    else { return nil }
    return j
  }()

  /// True when `holdsNothing(at:)` may be used.
  static let knowsPlainValues = jsonTag != nil

  /// True when the value at `p` holds no object to release: anything but a string or JSON
  /// text, or a small one (its bytes kept in the value itself). False when unsure. Given
  /// `knowsPlainValues`.
  @inline(__always)
  static func holdsNothing(at p: UnsafePointer<Value>, stringTag: UInt8, jsonTag: UInt8) -> Bool {
    let tag = UnsafeRawPointer(p).load(fromByteOffset: 16, as: UInt8.self)
    guard tag == stringTag || tag == jsonTag else { return true }
    return stringWords(at: p).1 >> 61 & 1 == 1
  }

  /// `.json`'s tag byte (0xFF without `knowsPlainValues`).
  static var jsonTagByte: UInt8 { jsonTag ?? 0xFF }

  /// `.string`'s tag byte when `isAvailable` (else a byte no value has: 0xFF), to keep in a
  /// local rather than read through a lazy global per row.
  static var stringTagByte: UInt8 { stringTag ?? 0xFF }

  /// True when the value at `p` is a `.string`, given `tag` = `stringTagByte`.
  @inline(__always)
  static func isString(at p: UnsafePointer<Value>, tag: UInt8) -> Bool {
    UnsafeRawPointer(p).load(fromByteOffset: 16, as: UInt8.self) == tag
  }

  /// The two words of the `String` of the `.string` value at `p` (its raw bits).
  @inline(__always)
  static func stringWords(at p: UnsafePointer<Value>) -> (UInt64, UInt64) {
    UnsafeRawPointer(p).load(as: (UInt64, UInt64).self)
  }

  /// True when the values at `a` and `b` are both `.string`s of the same bits (so equal; a
  /// false answer says nothing), given `tag` = `stringTagByte` when `isAvailable`.
  @inline(__always)
  static func sameString(_ a: UnsafePointer<Value>, _ b: UnsafePointer<Value>, tag: UInt8) -> Bool {
    guard isString(at: a, tag: tag) && isString(at: b, tag: tag) else { return false }
    let x = stringWords(at: a)
    let y = stringWords(at: b)
    return x.0 == y.0 && x.1 == y.1
  }
}
