import Planner

/// Turns result rows into the bytes of one output format.
///
/// A sink calls `begin` once, `write` per row (values in column order), `end` once, appending to
/// a buffer it flushes when it likes. A formatter may hold rows back (the table waits for `end`
/// to know its column widths).
///
/// A *spread* column holds a JSON object whose members stand in for the column, as `SELECT *`
/// needs: NDJSON splices the members into the row object; the tabular formats take the member
/// keys of the first row whose spread value is an object as header names, and later rows fill
/// those columns by key (members not in the header are dropped, missing ones are NULL).
public protocol RowFormatter {
  /// A formatter for rows with these column names; `spread` marks spread columns (empty: none).
  init(columns: [String], spread: [Bool])
  mutating func begin(into out: inout [UInt8])
  mutating func write(_ row: [Value], into out: inout [UInt8])
  mutating func end(into out: inout [UInt8])
}

/// The `--format` choices.
public enum OutputFormat: String, Sendable, CaseIterable {
  case ndjson, csv, tsv, table

  /// A formatter of this format; `spread` defaults to no spread columns.
  public func makeFormatter(columns: [String], spread: [Bool] = []) -> any RowFormatter {
    switch self {
    case .ndjson: return NDJSONFormatter(columns: columns, spread: spread)
    case .csv: return CSVFormatter(columns: columns, spread: spread)
    case .tsv: return TSVFormatter(columns: columns, spread: spread)
    case .table: return TableFormatter(columns: columns, spread: spread)
    }
  }
}

/// Resolves spread columns into flat columns for the tabular formats.
///
/// Until a row shows what keys a spread column has, rows are held back; `resolve` decides the
/// header, `flatten` maps a row onto it.
struct SpreadLayout {
  let columns: [String]
  let spread: [Bool]
  /// Per spread column, its keys once known.
  private(set) var keys: [Int: [String]] = [:]
  private(set) var isResolved: Bool
  /// Rows waiting for the header.
  private var pending: [[Value]] = []

  init(columns: [String], spread: [Bool]) {
    self.columns = columns
    self.spread =
      spread.count == columns.count ? spread : [Bool](repeating: false, count: columns.count)
    isResolved = !self.spread.contains(true)
  }

  /// Takes `row`; returns the rows now ready to print, flattened, and the header when it has
  /// just become known (nil when it was known from the start or earlier).
  mutating func admit(_ row: [Value]) -> (header: [String]?, rows: [[Value]]) {
    if isResolved { return (nil, [flatten(row)]) }
    pending.append(row)
    learn(from: row)
    return isResolved ? drain() : (nil, [])
  }

  /// At the end of input: the header and held rows if no row ever showed all spread keys.
  mutating func finish() -> (header: [String]?, rows: [[Value]]) {
    guard !isResolved else { return (nil, []) }
    learn(from: nil, force: true)
    return drain()
  }

  private mutating func drain() -> (header: [String]?, rows: [[Value]]) {
    let rows = pending.map(flatten)
    pending = []
    return (header, rows)
  }

  /// Takes keys for still-unknown spread columns from `row`; resolved once every spread column
  /// has keys (or `force`, at the end, when some never held an object).
  mutating func learn(from row: [Value]?, force: Bool = false) {
    guard !isResolved else { return }
    if let row {
      for c in columns.indices where spread[c] && keys[c] == nil {
        if case .json(let text) = row[c], let members = FieldExtractor.members(ofObject: text) {
          keys[c] = members.map(\.key)
        }
      }
    }
    isResolved = force || columns.indices.allSatisfy { !spread[$0] || keys[$0] != nil }
  }

  /// The header names: plain columns as they are, spread columns as their keys.
  var header: [String] {
    var names: [String] = []
    for c in columns.indices {
      if spread[c] { names += keys[c] ?? [] } else { names.append(columns[c]) }
    }
    return names
  }

  /// `row` laid out under `header`.
  func flatten(_ row: [Value]) -> [Value] {
    guard spread.contains(true) else { return row }
    var flat: [Value] = []
    for c in columns.indices {
      guard spread[c] else {
        flat.append(row[c])
        continue
      }
      let names = keys[c] ?? []
      var byKey: [String: Value] = [:]
      if case .json(let text) = row[c], let members = FieldExtractor.members(ofObject: text) {
        for m in members { byKey[m.key] = m.value }
      }
      for name in names { flat.append(byKey[name] ?? .null) }
    }
    return flat
  }
}

/// A value as plain text for the tabular formats, nil for NULL: strings unquoted, doubles and
/// timestamps as in JSON output, intervals as milliseconds, JSON as its text.
func plainText(_ v: Value) -> String? {
  switch v {
  case .null: return nil
  case .bool(let b): return b ? "true" : "false"
  case .int(let i): return String(i)
  case .double(let d):
    return d.isFinite ? d.description : (d.isNaN ? "nan" : d < 0 ? "-inf" : "inf")
  case .string(let s): return s
  case .timestamp(let ms): return Timestamp.format(ms)
  case .interval(let ms): return String(ms)
  case .json(let text): return text
  }
}
