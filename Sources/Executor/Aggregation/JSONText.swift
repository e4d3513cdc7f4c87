import Planner

/// JSON text for values that aggregates build (COLLECT_LIST, TOP_K).
enum JSONText {
  static func array(_ values: [Value]) -> String {
    var bytes: [UInt8] = [UInt8(ascii: "[")]
    for (i, v) in values.enumerated() {
      if i > 0 { bytes.append(UInt8(ascii: ",")) }
      JSONWriter.appendValue(v, to: &bytes)
    }
    bytes.append(UInt8(ascii: "]"))
    return String(decoding: bytes, as: UTF8.self)
  }
}
