import Planner

/// The tag bytes of `.null`, `.int` and `.double` in a `Value`'s memory (`ValueLayout`), so
/// that COUNT, SUM and AVG cells read a row's argument in place.
///
/// Copying the argument out of a batch to switch on it went through the outlined copy and
/// destroy of `Value` (a switch on the case and a retain/release check each), about a third of
/// Q2's ordered-thread cost. As with `ValueLayout`, the layout is not promised: `current` checks
/// it once at run time on values of every case and is nil when it does not hold, and callers
/// then copy the value as before.
struct NumberTags {
  /// Tag byte of `.null` (the only case without a payload, so its tag alone identifies it).
  let null: UInt8
  /// Tag byte of `.int`; the payload is the `Int64` at offset 0.
  let int: UInt8
  /// Tag byte of `.double`; the payload is the `Double` at offset 0.
  let double: UInt8

  /// The tags of this process's `Value` layout, or nil when it is not the one expected.
  static let current: NumberTags? = {
    guard MemoryLayout<Value>.size == 17 else { return nil }
    func tag(_ v: Value) -> UInt8 { withUnsafeBytes(of: v) { $0[16] } }
    func word(_ v: Value) -> UInt64 { withUnsafeBytes(of: v) { $0.load(as: UInt64.self) } }
    let ints: [Int64] = [0, 1, -1, .max, .min, 0x00FF_0000_0000_0000]
    let doubles: [Double] = [0, -0.0, 1.5, -.infinity, .infinity, .nan, .greatestFiniteMagnitude]
    let long = String(repeating: "long string ", count: 4)
    let others: [Value] = [
      .bool(false), .bool(true), .string(""), .string("u19023"), .string(long), .timestamp(0),
      .timestamp(-1), .interval(-1), .interval(0), .json("u19023"), .json(long), .json(""),
    ]
    let nullTag = tag(.null)
    let intTag = tag(.int(0))
    let doubleTag = tag(.double(0))
    guard nullTag != intTag, nullTag != doubleTag, intTag != doubleTag else { return nil }
    for v in ints {
      guard tag(.int(v)) == intTag, word(.int(v)) == UInt64(bitPattern: v) else { return nil }
    }
    for v in doubles {
      guard tag(.double(v)) == doubleTag, word(.double(v)) == v.bitPattern else { return nil }
    }
    for v in others where [nullTag, intTag, doubleTag].contains(tag(v)) { return nil }
    return NumberTags(null: nullTag, int: intTag, double: doubleTag)
  }()

  /// The tag byte of the value at `p`.
  @inline(__always)
  static func tag(at p: UnsafePointer<Value>) -> UInt8 {
    UnsafeRawPointer(p).load(fromByteOffset: 16, as: UInt8.self)
  }

  /// The payload word of the value at `p` (an `.int`'s or `.double`'s bits).
  @inline(__always)
  static func word(at p: UnsafePointer<Value>) -> UInt64 {
    UnsafeRawPointer(p).load(as: UInt64.self)
  }
}
