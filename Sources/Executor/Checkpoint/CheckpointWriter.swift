import Planner

/// Appends the fields of a checkpoint to a byte buffer in a small tagged binary encoding.
///
/// Integers are 8 bytes little-endian, strings are a length and their UTF-8 bytes, and a
/// `Value` is a one-byte tag and its payload. The encoding is private to streamsql: a
/// checkpoint is read back only by the same build (`Checkpoint.formatVersion` guards it).
/// Not on the hot path: it runs once per checkpoint interval.
struct CheckpointWriter {
  private(set) var bytes: [UInt8] = []

  mutating func int(_ v: Int64) {
    withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
  }

  mutating func int(_ v: Int) { int(Int64(v)) }

  mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }

  mutating func double(_ v: Double) { int(Int64(bitPattern: v.bitPattern)) }

  mutating func string(_ s: String) {
    let utf8 = Array(s.utf8)
    int(utf8.count)
    bytes.append(contentsOf: utf8)
  }

  mutating func raw(_ b: [UInt8]) {
    int(b.count)
    bytes.append(contentsOf: b)
  }

  mutating func value(_ v: Value) {
    switch v {
    case .null: bytes.append(0)
    case .bool(let b):
      bytes.append(1)
      bool(b)
    case .int(let i):
      bytes.append(2)
      int(i)
    case .double(let d):
      bytes.append(3)
      double(d)
    case .string(let s):
      bytes.append(4)
      string(s)
    case .timestamp(let t):
      bytes.append(5)
      int(t)
    case .interval(let t):
      bytes.append(6)
      int(t)
    case .json(let s):
      bytes.append(7)
      string(s)
    }
  }

  mutating func values<C: Collection>(_ vs: C) where C.Element == Value {
    int(vs.count)
    for v in vs { value(v) }
  }

  mutating func optionalValue(_ v: Value?) {
    bool(v != nil)
    if let v { value(v) }
  }
}
