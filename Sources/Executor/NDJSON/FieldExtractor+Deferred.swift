import Planner

/// What becomes of a wanted string at a trie node (`FieldExtractor.stringModes`).
enum StringMode {
  /// Made into a `.string` value as it is read.
  static let build: UInt8 = 0
  /// Read as event time: `.timestamp` when it parses (`FieldExtractor.timeSlots`).
  static let time: UInt8 = 1
  /// Left by the compact walk as its span in the line (`FieldExtractor.deferredSpan`), built
  /// only if the row is kept (`FieldExtractor.buildDeferred`).
  static let deferred: UInt8 = 2
}

/// Strings the compact walk leaves unbuilt: a filter that throws most rows away needs only its
/// own column, so the other wanted strings of a row are built once the row is known to pass.
///
/// The compact walk (`compactStringCall`, called from `compactStringValue` out of the walk's
/// loop so that the loop compiles as before; `wholeObject` for the whole line) stores in a
/// `.deferred` node's slots a placeholder in place of the value: `.interval` holding the
/// string's start and end in the line (the object's start and end for the whole line). No
/// scanned slot holds an interval otherwise (the scan makes none, and deferral is only used
/// with no declared column to coerce), so the placeholder cannot be mistaken for a value;
/// it holds no reference, so freeing a row that keeps it releases nothing. Everything else
/// about the walk is unchanged: it validates every byte of every string it defers, and a
/// later duplicate key overwrites a placeholder as it would a value. Only the compact walk
/// defers (`walkCompact` too); `walk` builds every string (its strings may hold escapes).
///
/// The caller must, while the line's bytes are still there, either build the row's deferred
/// values (`buildDeferred`) or drop the row's use of them: `ScanJob` builds them for the rows
/// its filter keeps, and leaves the placeholders of the rows it rejects, which no query reads
/// (`Prefilter`); `TypeDrift.countDeferred` counts those as the strings they stand for.
extension FieldExtractor {
  /// The largest end a placeholder holds: a span further into the piece is built as before.
  static let maxDeferredOffset = Int(UInt32.max)

  /// The placeholder for the bytes `start..<end` of the line.
  @inline(__always)
  static func deferredSpan(_ start: Int, _ end: Int) -> Value {
    .interval(
      Int64(
        truncatingIfNeeded: UInt64(UInt32(truncatingIfNeeded: start))
          | UInt64(UInt32(truncatingIfNeeded: end)) &<< 32))
  }

  /// The span a placeholder holds, or nil when `value` is not one.
  @inline(__always)
  static func span(of value: Value) -> (start: Int, end: Int)? {
    guard case .interval(let packed) = value else { return nil }
    let bits = UInt64(bitPattern: packed)
    return (Int(bits & 0xFFFF_FFFF), Int(bits &>> 32))
  }

  /// The whole object `p[0..<end]` (the empty path, `SELECT *`) as `.json`, or its span when
  /// the root is `.deferred`.
  @inline(never)
  func wholeObject(_ p: UnsafePointer<UInt8>, _ end: Int) -> Value {
    if stringModes[0] == StringMode.deferred && end <= Self.maxDeferredOffset {
      return Self.deferredSpan(0, end)
    }
    return .json(String(decoding: UnsafeBufferPointer(start: p, count: end), as: UTF8.self))
  }

  /// Replaces the placeholders in `row` with the values they stand for: what the walk would
  /// have stored (`stringValue`, as `compactStringCall` calls it; the object's text for the
  /// whole line). `p` is where the walk read the line from, `n` the bound it was given.
  func buildDeferred(in row: UnsafeMutablePointer<Value>, _ p: UnsafePointer<UInt8>, _ n: Int) {
    for (slot, node) in deferredOutputs {
      guard let (start, end) = Self.span(of: row[slot]) else { continue }
      if node == 0 {
        row[slot] = .json(
          String(
            decoding: UnsafeBufferPointer(start: p + start, count: end &- start), as: UTF8.self))
      } else {
        row[slot] = text(p, n, start, end, ascii: true)
      }
    }
  }
}
