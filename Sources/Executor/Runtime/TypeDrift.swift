import Planner

/// Counts, per field a source extracts, the kinds of value its rows held, so that `--stats` can
/// show type drift: a field that was a number and is now sometimes a string (issue 7 part 4).
///
/// The scan already materialised every extracted field as a `Value`; this only switches on each
/// one, on the scanning thread once a piece is scanned, and bumps a counter, so it costs a few
/// instructions per field per row and no allocation. Only the fields the queries read are tracked (nested paths too, as
/// `device.os`), which is what a user can see drifting in the results. A declared column is
/// counted after coercion, so it drifts only if a coercion (e.g. to VARCHAR) keeps several kinds.
///
///     status: BIGINT 99.9%, VARCHAR 0.1% (12 of 9000 rows not BIGINT)
struct TypeDrift: Sendable {
  /// What `--stats` reports for one drifting field.
  public struct Field: Sendable, Equatable {
    /// The path as a query names it: `status`, `device.os`.
    public var path: String
    /// Non-null kinds seen (`BIGINT`, `VARCHAR`, `OBJECT`, ...) with their rows, most frequent first.
    public var types: [(name: String, count: Int)]
    /// Rows in which the field was NULL or missing.
    public var nulls: Int

    public static func == (a: Field, b: Field) -> Bool {
      a.path == b.path && a.nulls == b.nulls && a.types.map(\.name) == b.types.map(\.name)
        && a.types.map(\.count) == b.types.map(\.count)
    }

    /// Non-null rows.
    public var total: Int { types.reduce(0) { $0 + $1.count } }

    /// `status: BIGINT 99.9%, VARCHAR 0.1% (12 of 9000 rows not BIGINT)`.
    public var summary: String {
      let total = max(1, self.total)
      let shares = types.map { "\($0.name) \(TypeDrift.percent($0.count, of: total))" }.joined(
        separator: ", ")
      let others = total - (types.first?.count ?? 0)
      return "\(path): \(shares) (\(others) of \(total) rows not \(types.first?.name ?? "?"))"
    }
  }

  /// Kinds in a fixed order; index into a slot's counters.
  static let kindNames = [
    "NULL", "BOOLEAN", "BIGINT", "DOUBLE", "VARCHAR", "TIMESTAMP", "INTERVAL", "OBJECT", "ARRAY",
  ]

  let paths: [FieldPath]
  /// Slots the scan stores as `.timestamp` when their string parses (`ScanSpec.timeSlots`):
  /// those rows held a VARCHAR and are counted as one.
  var timesReadAsText: Set<Int> = []
  /// `paths.count × kindNames.count` counters, slot-major.
  private(set) var counts: [Int]

  init(fields: [FieldPath]) {
    paths = fields
    counts = Array(repeating: 0, count: fields.count * Self.kindNames.count)
  }

  @inline(__always)
  static func kind(_ v: Value) -> Int {
    if case .json(let text) = v, text.utf8.first(where: { $0 > 0x20 }) == UInt8(ascii: "[") {
      return 8
    }
    return plainKind(v)
  }

  /// `kind`, with every JSON text counted as an OBJECT: a constant per case, which the
  /// compiler turns into a table lookup instead of a jump per value (`observe` then moves the
  /// arrays among them to ARRAY).
  @inline(__always)
  static func plainKind(_ v: Value) -> Int {
    switch v {
    case .null: return 0
    case .bool: return 1
    case .int: return 2
    case .double: return 3
    case .string: return 4
    case .timestamp: return 5
    case .interval: return 6
    case .json: return 7
    }
  }

  /// Adds the counts of `other`, kept for the same fields (a piece counted on a scanning
  /// thread).
  mutating func add(_ other: TypeDrift) {
    guard other.counts.count == counts.count else { return }
    for k in counts.indices { counts[k] += other.counts[k] }
  }

  /// Counts the kinds of the extracted fields of `rows` rows laid out `width` values per row.
  mutating func observe(_ values: UnsafeBufferPointer<Value>, rows: Int) {
    let width = paths.count
    guard width > 0, rows > 0, values.count >= rows * width, let v = values.baseAddress else {
      return
    }
    let kinds = Self.kindNames.count
    counts.withUnsafeMutableBufferPointer { c in
      guard let c = c.baseAddress else { return }
      // Slot by slot: one slot's counters stay in a register-sized neighbourhood, and the
      // kind of a field rarely changes from row to row.
      let object = Self.kind(.json("{}"))
      for slot in 0..<width {
        let counters = c + slot * kinds
        let objects = counters[object]
        var value = v + slot
        for _ in 0..<rows {
          counters[Self.plainKind(value.pointee)] &+= 1
          value += width
        }
        // JSON texts were seen (rare: a whole object or array selected): the arrays among
        // them are counted again, as `kind` counts them.
        if counters[object] != objects {
          value = v + slot
          for _ in 0..<rows {
            let kind = Self.kind(value.pointee)
            if kind != object && Self.plainKind(value.pointee) == object {
              counters[object] &-= 1
              counters[kind] &+= 1
            }
            value += width
          }
        }
      }
    }
  }

  /// Counts the placeholders of deferred strings (`Prefilter`) as the kind they stand for:
  /// per listed slot, its INTERVAL rows move to `kind`. A deferred slot holds no other
  /// interval. Call it after `observe`, for the same values.
  mutating func countDeferred(_ slots: [(slot: Int, kind: Int)]) {
    let kinds = Self.kindNames.count
    let interval = Self.kind(.interval(0))
    for (slot, kind) in slots where slot < paths.count {
      counts[slot * kinds + kind] += counts[slot * kinds + interval]
      counts[slot * kinds + interval] = 0
    }
  }

  /// The fields seen with more than one non-null kind, in extraction order. `*` (a whole row
  /// kept for `SELECT *`) is always an object and never listed.
  var drifting: [Field] {
    let kinds = Self.kindNames.count
    var out: [Field] = []
    for (slot, path) in paths.enumerated() where !path.isEmpty {
      var types: [(name: String, count: Int)] = []
      var seen = Array(counts[slot * kinds..<(slot + 1) * kinds])
      if timesReadAsText.contains(slot) {
        seen[4] += seen[5]
        seen[5] = 0
      }
      for k in 1..<kinds where seen[k] > 0 { types.append((Self.kindNames[k], seen[k])) }
      guard types.count > 1 else { continue }
      types.sort { $0.count != $1.count ? $0.count > $1.count : $0.name < $1.name }
      out.append(Field(path: path.dottedName, types: types, nulls: counts[slot * kinds]))
    }
    return out
  }

  /// `99.9%`, `0.1%`, `<0.1%`: one decimal, and never 0% for a kind that was seen.
  static func percent(_ count: Int, of total: Int) -> String {
    let tenths = (count * 1000 + total / 2) / total
    if tenths == 0 { return "<0.1%" }
    if tenths == 1000 && count < total { return ">99.9%" }
    return "\(tenths / 10).\(tenths % 10)%"
  }
}
