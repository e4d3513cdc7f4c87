import Planner

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Turns one Kafka message into one NDJSON line for the scanner: the value, with the message's
/// metadata (`_key`, `_partition`, `_offset`, `_timestamp`) spliced in as the first members of
/// the object when the queries read them.
///
/// The value is one JSON object. JSON allows line breaks between tokens, so `\n` and `\r` in a
/// value become spaces and a pretty-printed object stays one line; anything else is kept as
/// it is, and a value that is not an object is a bad line like any other (SPEC 9). An empty
/// value (a tombstone) becomes the line `null`, a bad line ("not a JSON object").
///
/// The metadata members come first, so a value's own member of the same name (the last one
/// wins in a JSON object) is what a query reads.
struct KafkaMessageLine {
  /// Which metadata fields the queries read.
  var key = false
  var partition = false
  var offset = false
  var timestamp = false

  /// The metadata fields named among `fields` (a source's top-level paths).
  init(fields: [FieldPath]) {
    for path in fields {
      guard let first = path.first, case .key(let name) = first else { continue }
      switch name {
      case "_key": key = true
      case "_partition": partition = true
      case "_offset": offset = true
      case "_timestamp": timestamp = true
      default: continue
      }
    }
  }

  var injects: Bool { key || partition || offset || timestamp }

  /// Appends the line (with its newline) for a message.
  func append(
    value: UnsafeRawBufferPointer, key keyBytes: UnsafeRawBufferPointer?, partition p: Int32,
    offset o: Int64, timestamp t: Int64?, to out: inout [UInt8]
  ) {
    let bytes = value.bindMemory(to: UInt8.self)
    var start = 0
    while start < bytes.count, Self.isSpace(bytes[start]) { start += 1 }
    guard start < bytes.count else {
      out.append(contentsOf: "null\n".utf8)
      return
    }
    guard injects, bytes[start] == UInt8(ascii: "{") else {
      Self.appendOneLine(bytes, from: start, to: &out)
      out.append(0x0A)
      return
    }
    out.append(UInt8(ascii: "{"))
    if key {
      out.append(contentsOf: "\"_key\":".utf8)
      if let keyBytes {
        JSONWriter.appendString(
          String(decoding: keyBytes.bindMemory(to: UInt8.self), as: UTF8.self), to: &out)
      } else {
        out.append(contentsOf: "null".utf8)
      }
      out.append(UInt8(ascii: ","))
    }
    if partition {
      out.append(contentsOf: "\"_partition\":".utf8)
      JSONWriter.appendInteger(Int64(p), to: &out)
      out.append(UInt8(ascii: ","))
    }
    if offset {
      out.append(contentsOf: "\"_offset\":".utf8)
      JSONWriter.appendInteger(o, to: &out)
      out.append(UInt8(ascii: ","))
    }
    if timestamp {
      out.append(contentsOf: "\"_timestamp\":".utf8)
      if let t {
        JSONWriter.appendInteger(t, to: &out)
      } else {
        out.append(contentsOf: "null".utf8)
      }
      out.append(UInt8(ascii: ","))
    }
    var rest = start + 1
    while rest < bytes.count, Self.isSpace(bytes[rest]) { rest += 1 }
    // `{}`: no member follows the metadata, so no comma either.
    if rest < bytes.count, bytes[rest] == UInt8(ascii: "}") { out.removeLast() }
    Self.appendOneLine(bytes, from: start + 1, to: &out)
    out.append(0x0A)
  }

  private static func isSpace(_ b: UInt8) -> Bool {
    b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D
  }

  /// Appends `bytes` from `start` on, with `\n` and `\r` turned into spaces; copied in bulk,
  /// and only searched byte by byte when a line break is there at all.
  private static func appendOneLine(
    _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to out: inout [UInt8]
  ) {
    let rest = UnsafeBufferPointer(rebasing: bytes[start...])
    let first = out.count
    out.append(contentsOf: rest)
    guard let base = rest.baseAddress,
      memchr(base, 0x0A, rest.count) != nil || memchr(base, 0x0D, rest.count) != nil
    else { return }
    out.withUnsafeMutableBufferPointer { b in
      for i in first..<b.count where b[i] == 0x0A || b[i] == 0x0D { b[i] = 0x20 }
    }
  }

}
