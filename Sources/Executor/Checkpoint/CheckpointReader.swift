import Planner

/// Reads back what a `CheckpointWriter` wrote; any truncation or unknown tag is a
/// `CheckpointError`, never a crash, since the file may be damaged or from another build.
struct CheckpointReader {
  private let bytes: [UInt8]
  private var position = 0

  init(_ bytes: [UInt8]) { self.bytes = bytes }

  var atEnd: Bool { position == bytes.count }

  private mutating func take(_ n: Int) throws(CheckpointError) -> ArraySlice<UInt8> {
    guard n >= 0, position + n <= bytes.count else {
      throw CheckpointError("the checkpoint file is truncated or damaged")
    }
    defer { position += n }
    return bytes[position..<position + n]
  }

  mutating func int() throws(CheckpointError) -> Int64 {
    var v: Int64 = 0
    for (i, b) in try take(8).enumerated() { v |= Int64(b) << (8 * Int64(i)) }
    return v
  }

  mutating func count() throws(CheckpointError) -> Int {
    let n = try int()
    guard n >= 0, n <= Int64(bytes.count) * 8 + 64 else {
      throw CheckpointError("the checkpoint file is damaged (bad count)")
    }
    return Int(n)
  }

  mutating func bool() throws(CheckpointError) -> Bool { try take(1).first! != 0 }

  mutating func double() throws(CheckpointError) -> Double {
    Double(bitPattern: UInt64(bitPattern: try int()))
  }

  mutating func string() throws(CheckpointError) -> String {
    let n = try count()
    return String(decoding: try take(n), as: UTF8.self)
  }

  mutating func raw() throws(CheckpointError) -> [UInt8] {
    let n = try count()
    return Array(try take(n))
  }

  mutating func value() throws(CheckpointError) -> Value {
    switch try take(1).first! {
    case 0: return .null
    case 1: return .bool(try bool())
    case 2: return .int(try int())
    case 3: return .double(try double())
    case 4: return .string(try string())
    case 5: return .timestamp(try int())
    case 6: return .interval(try int())
    case 7: return .json(try string())
    default: throw CheckpointError("the checkpoint file is damaged (unknown value tag)")
    }
  }

  /// A group key written by `values(_:)`, checked against the query's GROUP BY width.
  mutating func groupKey(width: Int) throws(CheckpointError) -> [Value] {
    let key = try values()
    guard key.count == width else {
      throw CheckpointError("the checkpoint does not match the query's GROUP BY")
    }
    return key
  }

  mutating func values() throws(CheckpointError) -> [Value] {
    let n = try count()
    var out: [Value] = []
    out.reserveCapacity(n)
    for _ in 0..<n { out.append(try value()) }
    return out
  }

  mutating func optionalValue() throws(CheckpointError) -> Value? {
    try bool() ? try value() : nil
  }
}

/// A checkpoint that cannot be used: damaged, from another query, or over other inputs.
public struct CheckpointError: Error, Sendable {
  public var message: String
  public init(_ message: String) { self.message = message }
}
