import Dispatch
import Planner
import SQLParser

/// What scanning a source needs, fixed for the whole run and shared by scanning threads.
final class ScanSpec: @unchecked Sendable {
  let fields: [FieldPath]
  /// Declared columns to coerce: slot and type.
  let coercions: [(slot: Int, type: TypeName, name: String)]
  let maxLineBytes: Int
  /// Keep each row's raw line (for dead letters and late output).
  let keepsRaw: Bool
  /// Lines found by the walk of their object where it can (`ScanJob.scanLines`); tests turn it
  /// off to compare with the search for each newline.
  var fusesLines = true
  /// Strings of rows a lone query's filter rejects left unbuilt where it can (`Prefilter`);
  /// tests turn it off, before adding the queries, to compare with every string built.
  var defersStrings = true
  /// Count the kinds of values scanned per field (`--stats` type drift); off when nothing
  /// reports them.
  var countsDrift = true
  /// The plans of the queries reading the source, in the order their runners are attached.
  private(set) var queries: [QueryPlan] = []
  /// Fields read only as event time, stored as `.timestamp` when they parse (`EventTimeSlots`);
  /// declared columns are coerced instead.
  private(set) var timeSlots: Set<Int> = []
  /// The filter decided as rows are scanned, with the strings it lets the walk defer.
  private(set) var prefilter: Prefilter?
  /// Extractors not in use, kept so that each piece does not build a trie and its caches anew;
  /// `lock` guards it (pieces are scanned on several threads).
  private var idle: [FieldExtractor] = []
  private let lock = DispatchSemaphore(value: 1)

  init(plan: SourcePlan, maxLineBytes: Int, keepsRaw: Bool) {
    fields = plan.fields
    var coercions: [(Int, TypeName, String)] = []
    for (slot, path) in plan.fields.enumerated() {
      if path.count == 1, case .key(let name) = path[0], let type = plan.declaredTypes[name] {
        coercions.append((slot, type, name))
      }
    }
    self.coercions = coercions
    self.maxLineBytes = maxLineBytes
    self.keepsRaw = keepsRaw
  }

  /// Adds a query reading the source. Every query is added before any piece is scanned: a
  /// piece is prepared for the queries there are once it is scanned, and the prefilter its
  /// walk used must be for the same ones.
  func add(_ query: QueryPlan) {
    lock.wait()
    defer { lock.signal() }
    queries.append(query)
    timeSlots = EventTimeSlots.find(in: queries).subtracting(coercions.map(\.slot))
    prefilter =
      defersStrings
      ? Prefilter(
        queries: queries, fields: fields, hasCoercions: !coercions.isEmpty, timeSlots: timeSlots)
      : nil
    idle = []
  }

  /// An extractor for one piece, and the prefilter it defers strings for (nil when it defers
  /// none); give the extractor back with `recycle` when the piece is scanned.
  func takeExtractor() -> (FieldExtractor, Prefilter?) {
    lock.wait()
    defer { lock.signal() }
    let deferred = prefilter?.deferredSlots ?? []
    if let e = idle.popLast(), e.deferredSlots == deferred { return (e, prefilter) }
    let extractor = FieldExtractor(
      paths: fields, maxDepth: FieldExtractor.defaultMaxDepth, timeSlots: timeSlots,
      deferredSlots: deferred)
    return (extractor, prefilter)
  }

  func recycle(_ extractor: FieldExtractor) {
    lock.wait()
    defer { lock.signal() }
    // An extractor made before a query was added may miss what that query needs.
    guard extractor.timeSlots == timeSlots,
      extractor.deferredSlots == (prefilter?.deferredSlots ?? []), idle.count < 8
    else { return }
    idle.append(extractor)
  }
}

/// One piece of one input, scanned (validated, fields extracted, coerced) and prepared for each
/// query on a worker thread, then applied in sequence on the main thread.
///
/// The semaphore orders the hand-off: the worker writes the results, signals, and only then does
/// the main thread read them.
final class ScanJob: @unchecked Sendable {
  enum Kind {
    /// Whole lines, given back (unmapped, returned to their pool) once scanned.
    case lines(InputBytes)
    case overLong(Int)
    /// One bad line with this message (a connection that closed mid-line).
    case bad(String)
    /// The input ended: applied after all its pieces.
    case end
  }

  let spec: ScanSpec
  let input: Int
  let kind: Kind
  let arrivalMillis: Int64
  let arrivalMicros: Int64
  private let done = DispatchSemaphore(value: 0)
  /// Byte offset in its input just past this piece, when known (a piece of lines that ended a
  /// read); -1 otherwise. Checkpoints record it (`Checkpointer`).
  var endOffset: Int64 = -1

  /// Lines in the piece, good or bad; line numbers below are 1-based within the piece.
  private(set) var lineCount = 0
  private(set) var byteCount = 0
  private(set) var rowLines: [Int32] = []
  private(set) var raw: [UInt8] = []
  private(set) var rawEnds: [Int] = []
  private(set) var badLines: [(line: Int32, message: String, raw: [UInt8]?)] = []
  /// One per query of `spec.queries`.
  private(set) var prepared: [QueryPreparer.Prepared] = []
  /// The kinds of the scanned values, counted here rather than in the ordered stage.
  private(set) var drift: TypeDrift?
  /// The prefilter the scan used, if any: the rows it rejected keep placeholders.
  private var prefilter: Prefilter?

  init(spec: ScanSpec, input: Int, kind: Kind) {
    self.spec = spec
    self.input = input
    self.kind = kind
    arrivalMillis = Clock.wallMillis()
    arrivalMicros = Clock.monotonicMicros()
  }

  var rowCount: Int { rowLines.count }

  /// The raw line of row `i`, if kept.
  func rawLine(_ i: Int) -> ArraySlice<UInt8>? {
    guard i < rawEnds.count else { return nil }
    return raw[(i == 0 ? 0 : rawEnds[i - 1])..<rawEnds[i]]
  }

  /// Scans on a worker thread; `wait()` returns once done.
  func start(on queue: DispatchQueue?) {
    guard let queue else {
      scan()
      done.signal()
      return
    }
    queue.async {
      self.scan()
      self.done.signal()
    }
  }

  func wait() { done.wait() }

  /// Frees the piece's rows once they are applied, on another thread when it keeps up
  /// (`RowReaper`). What the checkpointer reads afterwards (`kind`, `endOffset`) stays.
  func releaseRows() {
    guard !prepared.isEmpty else { return }
    let rows = prepared
    prepared = []
    RowReaper.shared.free(rows)
  }

  private func scan() {
    switch kind {
    case .end: return
    case .overLong(let length):
      lineCount = 1
      badLines.append((1, "line of \(length) bytes is longer than --max-line-bytes", nil))
    case .bad(let message):
      lineCount = 1
      badLines.append((1, message, nil))
    case .lines(let bytes):
      byteCount = bytes.count
      let values = scanLines(bytes.bytes)
      // Nothing refers to the bytes any more: rows hold copies of what they need.
      bytes.release()
      if spec.countsDrift {
        var counted = TypeDrift(fields: spec.fields)
        counted.observe(values.buffer, rows: rowCount)
        if let prefilter { counted.countDeferred(prefilter.driftKinds) }
        drift = counted
      }
      let width = spec.fields.count
      // The last query may move the values it outputs, or keep them where they are: no query
      // reads them after it.
      let last = spec.queries.count - 1
      var shared = false
      prepared = spec.queries.enumerated().map { i, query in
        let preparer = QueryPreparer(plan: query)
        if i == last && preparer.sharedFirstSlot != nil {
          shared = true
          return preparer.prepare(
            sharing: values, width: width, count: rowCount, arrivalMillis: arrivalMillis)
        }
        return preparer.prepare(
          values.mutableBuffer, width: width, count: rowCount, arrivalMillis: arrivalMillis,
          movesValues: i == last)
      }
      // Nothing else reads the scanned values once prepared: freed here, while still in cache.
      if !shared { values.removeAll() }
    }
  }

  /// Splits the piece into lines and scans each: what `LineReader` would report for these bytes
  /// fed whole (no byte order mark, a last line without `\n` included), framed here without a
  /// callback per line. Returns the rows' values, `spec.fields.count` per row in `rowLines`.
  ///
  /// A line that starts with `{` is first read by `compactObject` bounded by the end of the
  /// piece, not of the line: nearly every line is in the compact form, whose walk stops just
  /// past the object's `}`, and when a newline (or `\r\n`, or the end of the piece) follows,
  /// that is the line's end, found without searching for it. Any other line, or one that
  /// walk refuses, one with anything else after its `}`, or one over the limit, is framed
  /// and scanned as before (`scanLine`), from its first byte. The fused walk needs the piece
  /// to end with `\n` or `}` (see `compactObject`); a piece that does not, the last of an
  /// input whose last line has no newline, is framed the old way throughout.
  ///
  /// With a prefilter, a row that passes has its deferred strings built as soon as it is kept,
  /// while its line is at hand; a row that fails keeps its placeholders.
  private func scanLines(_ bytes: UnsafeRawBufferPointer) -> ScannedValues {
    let (extractor, prefilter) = spec.takeExtractor()
    defer { spec.recycle(extractor) }
    self.prefilter = prefilter
    // Two copies of the loop: without a prefilter it has nothing to do per row kept.
    if let prefilter {
      return scanLines(bytes, extractor: extractor, kept: PrefilterHook(prefilter: prefilter))
    }
    return scanLines(bytes, extractor: extractor, kept: NoRowHook())
  }

  /// `scanLines` with `hook` told of each row kept while its line is at hand.
  @inline(__always)
  private func scanLines<Hook: KeptRowHook>(
    _ bytes: UnsafeRawBufferPointer, extractor: FieldExtractor, kept hook: Hook
  ) -> ScannedValues {
    let width = spec.fields.count
    let limit = spec.maxLineBytes
    // Read once: properties of a class are otherwise loaded again for every line.
    let coercions = spec.coercions
    let keepsRaw = spec.keepsRaw
    let estimate = bytes.count / 128 + 1
    let values = ScannedValues(minimumCapacity: width * estimate)
    var rowLines: [Int32] = []
    rowLines.reserveCapacity(estimate)
    var number = 0
    let count = bytes.count
    if let address = bytes.baseAddress {
      let base = address.assumingMemoryBound(to: UInt8.self)
      let fuses =
        spec.fusesLines && count > 0 && (base[count &- 1] == 0x0A || base[count &- 1] == 0x7D)
      var pos = 0
      while pos < count {
        number &+= 1
        let start = pos
        var compactTried = false
        if fuses && base[start] == 0x7B {
          let row = values.appendNullRow(width: width)
          let object = extractor.compactObject(base + start, count &- start, into: row)
          if object > 0 {
            let close = start &+ object
            // Where the next line starts, when the object is all of its line.
            var next = -1
            if close == count {
              next = count
            } else if base[close] == 0x0A {
              next = close &+ 1
            } else if base[close] == 0x0D && close &+ 1 < count && base[close &+ 1] == 0x0A {
              next = close &+ 2
            }
            if next >= 0 && object <= limit {
              pos = next
              let text = UnsafeRawBufferPointer(start: address + start, count: object)
              if finishRow(
                row, text, error: nil, number: number, width: width, into: values,
                coercions: coercions, keepsRaw: keepsRaw)
              {
                rowLines.append(Int32(truncatingIfNeeded: number))
                hook.kept(row, width: width, base + start, count &- start, extractor: extractor)
              }
              continue
            }
          }
          // Framed and read again from the start: the walk decides, on a clean row.
          values.removeLastRow(width: width)
          compactTried = true
        }
        let end = LineSplitter.nextNewline(in: bytes, from: start) ?? count
        pos = end &+ 1
        // As `LineReader` frames it: one trailing `\r` stripped, then the limit applied.
        var length = end &- start
        if length > 0 && base[end &- 1] == 0x0D {
          length &-= 1
        }
        if length > limit {
          badLines.append(
            (Int32(number), "line of \(end - start) bytes is longer than --max-line-bytes", nil))
          continue
        }
        let text = UnsafeRawBufferPointer(start: address + start, count: length)
        if scanLine(
          text, number: number, width: width, into: values, extractor: extractor,
          coercions: coercions, keepsRaw: keepsRaw, skipsCompact: compactTried,
          kept: hook)
        {
          rowLines.append(Int32(truncatingIfNeeded: number))
        }
      }
    }
    lineCount = number
    self.rowLines = rowLines
    return values
  }

  /// Extracts and coerces one line's fields into a new row of `values`; false (the row taken
  /// back, the line reported bad if it is) when the line gives no row.
  ///
  /// `skipsCompact` when `compactObject` has read the line already: no line it refuses (or
  /// accepts with more after it) is in the compact form, so the walk alone reads it, as
  /// `extract` would after `walkCompact` refused.
  ///
  /// `hook` is told of a row kept (`walkCompact` defers strings as `compactObject` does).
  @inline(__always)
  private func scanLine<Hook: KeptRowHook>(
    _ text: UnsafeRawBufferPointer, number: Int, width: Int, into values: ScannedValues,
    extractor: FieldExtractor, coercions: [(slot: Int, type: TypeName, name: String)],
    keepsRaw: Bool, skipsCompact: Bool, kept hook: Hook
  ) -> Bool {
    if text.isEmpty { return false }
    let first = text.load(as: UInt8.self)
    if (first == 0x20 || first == 0x09) && text.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) {
      return false
    }
    let row = values.appendNullRow(width: width)
    let error =
      skipsCompact
      ? extractor.walk(text, into: row, requireObject: true)
      : extractor.extract(text, intoNulls: row)
    guard
      finishRow(
        row, text, error: error, number: number, width: width, into: values,
        coercions: coercions, keepsRaw: keepsRaw)
    else { return false }
    if let line = text.baseAddress?.assumingMemoryBound(to: UInt8.self) {
      hook.kept(row, width: width, line, text.count, extractor: extractor)
    }
    return true
  }

  /// Coerces the declared columns of `row`, the last of `values`, just read from `text` (with
  /// `error` when the line is bad), and keeps the raw line; false (the row taken back, the line
  /// reported bad) when the line gives no row.
  @inline(__always)
  private func finishRow(
    _ row: UnsafeMutablePointer<Value>, _ text: UnsafeRawBufferPointer, error: ScanError?,
    number: Int, width: Int, into values: ScannedValues,
    coercions: [(slot: Int, type: TypeName, name: String)], keepsRaw: Bool
  ) -> Bool {
    var error = error
    if error == nil {
      for c in coercions {
        let v = row[c.slot]
        guard !v.isNull else { continue }
        guard let converted = DeclaredCoercion.convert(v, to: c.type) else {
          error = ScanError(
            message: "column '\(c.name)' holds \(v), not \(c.type.rawValue)", offset: 0)
          break
        }
        row[c.slot] = converted
      }
    }
    if let error {
      values.removeLastRow(width: width)
      badLines.append((Int32(number), error.message, keepsRaw ? Array(text) : nil))
      return false
    }
    if keepsRaw {
      raw.append(contentsOf: text)
      rawEnds.append(raw.count)
    }
    return true
  }
}
