import Planner

/// The filter of a scan's one query, applied as each row is scanned so that the row's other
/// strings are built only when it passes.
///
///     SELECT user_id, url, status FROM stdin WHERE status >= 500
///
/// keeps 1.5% of the rows of a typical stream; building `user_id` and `url` for every row only
/// to free them in the next step costs about a tenth of the scan. With a prefilter the compact
/// walk leaves the strings of every slot but the filter's as spans
/// (`FieldExtractor+Deferred.swift`), `ScanJob` decides the comparison on the row as soon as
/// it is read, and builds the spans only for a row that passes. The query's preparer then
/// decides the same comparison again on the same value (`ColumnComparison` is a pure function
/// of it) and reads only the rows that pass: the rows that fail, with their placeholders, are
/// read by nothing but `TypeDrift`, which counts a placeholder as the string it stands for.
///
/// Only the simple case has one: a single query reading the source, whose filter is a column
/// compared with a constant, with no event time, no dedupe key and no declared column (each of
/// those reads or converts values of rows the filter rejects). Anything else scans as before.
struct Prefilter: @unchecked Sendable {
  let comparison: ColumnComparison
  /// The slots whose strings the walk defers: every slot but the filter's.
  let deferredSlots: Set<Int>
  /// Per deferred slot, the kind `TypeDrift` counts its placeholders as: OBJECT for the whole
  /// line (`*`), VARCHAR for any other field.
  let driftKinds: [(slot: Int, kind: Int)]

  /// The prefilter for `queries` reading `fields`, or nil when it is not the simple case.
  init?(
    queries: [QueryPlan], fields: [FieldPath], hasCoercions: Bool, timeSlots: Set<Int>
  ) {
    guard queries.count == 1, !hasCoercions, timeSlots.isEmpty else { return nil }
    let plan = queries[0]
    guard plan.eventTime == nil, plan.dedupe == nil, let filter = plan.filter,
      let comparison = ColumnComparison(filter), comparison.slot < fields.count
    else { return nil }
    let slots = Set(fields.indices).subtracting([comparison.slot])
    guard !slots.isEmpty else { return nil }
    self.comparison = comparison
    deferredSlots = slots
    let object = TypeDrift.kind(.json("{}"))
    let text = TypeDrift.kind(.string(""))
    driftKinds = slots.sorted().map { ($0, fields[$0].isEmpty ? object : text) }
  }

  /// Whether the row of `width` values at `row` passes, as its query's preparer will decide.
  @inline(__always)
  func passes(_ row: UnsafeMutablePointer<Value>, width: Int) -> Bool {
    comparison.passes(UnsafeBufferPointer(start: row, count: width))
  }
}

/// What `ScanJob` does with a row it keeps, while the row's line is at hand: `p[0..<n]` is
/// where the walk read the line from.
protocol KeptRowHook {
  func kept(
    _ row: UnsafeMutablePointer<Value>, width: Int, _ p: UnsafePointer<UInt8>, _ n: Int,
    extractor: FieldExtractor)
}

/// Nothing: the scan with no prefilter.
struct NoRowHook: KeptRowHook {
  @inline(__always)
  func kept(
    _ row: UnsafeMutablePointer<Value>, width: Int, _ p: UnsafePointer<UInt8>, _ n: Int,
    extractor: FieldExtractor
  ) {}
}

/// Builds the deferred strings of a row that passes the prefilter.
struct PrefilterHook: KeptRowHook {
  let prefilter: Prefilter

  @inline(__always)
  func kept(
    _ row: UnsafeMutablePointer<Value>, width: Int, _ p: UnsafePointer<UInt8>, _ n: Int,
    extractor: FieldExtractor
  ) {
    if prefilter.passes(row, width: width) { extractor.buildDeferred(in: row, p, n) }
  }
}
