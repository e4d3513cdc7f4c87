import Planner
import Testing

@testable import Executor

/// `ScanJob` frames a piece's lines itself (no `LineReader` callback per line) and keeps the
/// extracted values in `ScannedValues`, moving out what the last query outputs. The lines,
/// their numbers and what is wrong with the bad ones must be what `LineReader` reports for the
/// same bytes, and a value two outputs or two queries read must reach both.
@Suite struct ScanJobTests {
  static let limit = 16

  /// Pieces with CRLF, blank and whitespace-only lines, lines at and over the limit, bad JSON,
  /// and a last line with no newline.
  static let pieces: [String] = [
    "",
    "\n",
    "{\"a\":1}",
    "{\"a\":1}\n{\"a\":2}\r\n\r\n  \t\n{\"a\":3}\r",
    // At the limit once its `\r` is stripped, then one byte over.
    "{\"a\":\"01234567\"}\r\n{\"a\":\"012345678\"}\n{\"a\":4}\n",
    "{\"a\":\"01234567890\"}\r\n{bad}\n\n{\"a\":5}",
    "\r\n\r\n{\"a\":6}\n   ",
    "{\"a\":\"" + String(repeating: "x", count: 40) + "\"}\n{\"a\":7}\n{\"a\":8",
  ]

  /// The lines `LineReader` reports for `bytes` fed whole: per line its number and, for a line
  /// to scan, its text; nil for an over-long line.
  static func framed(_ bytes: [UInt8]) -> [(number: Int, text: [UInt8]?, length: Int)] {
    var reader = LineReader(maxLineBytes: limit, skipsByteOrderMark: false)
    var out: [(Int, [UInt8]?, Int)] = []
    let body: (LineReader.Line, Int) -> Void = { line, number in
      switch line {
      case .line(let text): out.append((number, Array(text), text.count))
      case .overLong(let length): out.append((number, nil, length))
      }
    }
    reader.feed(bytes, body)
    reader.finish(body)
    return out
  }

  static func scan(_ bytes: [UInt8]) -> ScanJob {
    let plan = SourcePlan(id: 0, location: .commandLine, fields: [[.key("a")]])
    let spec = ScanSpec(plan: plan, maxLineBytes: limit, keepsRaw: true)
    let job = ScanJob(spec: spec, input: 0, kind: .lines(InputBytes.copying(bytes)))
    job.start(on: nil)
    job.wait()
    return job
  }

  @Test(arguments: pieces)
  func linesAreWhatLineReaderFrames(piece: String) {
    let bytes = Array(piece.utf8)
    let expected = Self.framed(bytes)
    let job = Self.scan(bytes)
    #expect(job.lineCount == expected.count)
    let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
    var rows: [Int32] = []
    var bad: [(Int32, String)] = []
    for line in expected {
      guard let text = line.text else {
        bad.append(
          (Int32(line.number), "line of \(line.length) bytes is longer than --max-line-bytes"))
        continue
      }
      if text.allSatisfy(blank) { continue }
      if text.first == UInt8(ascii: "{") && text.last == UInt8(ascii: "}") && text.count > 5 {
        rows.append(Int32(line.number))
      } else {
        bad.append((Int32(line.number), ""))
      }
    }
    #expect(job.rowLines == rows)
    #expect(job.badLines.map(\.line) == bad.map(\.0))
    for (got, want) in zip(job.badLines, bad) where !want.1.isEmpty {
      #expect(got.message == want.1)
    }
    for (i, number) in rows.enumerated() {
      let text = expected.first { $0.number == Int(number) }?.text
      #expect(job.rawLine(i).map(Array.init) == text)
    }
  }

  @Test func scannedValuesGrowAndFree() {
    let values = ScannedValues(minimumCapacity: 2)
    for i in 0..<100 {
      let row = values.appendNullRow(width: 3)
      #expect(row[0].isNull && row[1].isNull && row[2].isNull)
      row[0] = .int(Int64(i))
      row[1] = .string("value number \(i), longer than a small string")
    }
    values.removeLastRow(width: 3)
    #expect(values.count == 99 * 3)
    #expect(values.buffer[98 * 3] == .int(98))
    #expect(values.buffer[98 * 3 + 1] == .string("value number 98, longer than a small string"))
    values.removeAll()
    #expect(values.count == 0)
    _ = values.appendNullRow(width: 0)
    #expect(values.count == 0)
  }

  static let lines = [
    #"{"w":"a long enough string to live on the heap","v":1}"#,
    #"{"w":"b","v":2}"#,
    #"{"w":"a long enough string to live on the heap","v":3}"#,
    #"{"w":null,"v":4}"#,
  ]

  @Test func aColumnOutputTwiceKeepsBothCopies() throws {
    let rows = try QueryHarness.rows("SELECT w, v, w AS again FROM stdin WHERE v >= 2", Self.lines)
    #expect(
      rows == [
        #"{"w":"b","v":2,"again":"b"}"#,
        #"{"w":"a long enough string to live on the heap","v":3,"#
          + #""again":"a long enough string to live on the heap"}"#,
        #"{"w":null,"v":4,"again":null}"#,
      ])
  }

  /// Without event time or filter every row is kept (`prepareEveryRow`): the same rows as the
  /// general path (an output computed), each value in both outputs.
  @Test func everyRowKeptWithoutTimeOrFilter() throws {
    let columns = try QueryHarness.rows("SELECT w, v, w AS again FROM stdin", Self.lines)
    let general = try QueryHarness.rows(
      "SELECT w, v, COALESCE(w, NULL) AS again FROM stdin", Self.lines)
    #expect(columns == general)
    #expect(columns.count == 4)
    #expect(columns[0].components(separatedBy: "a long enough").count == 3)
    let count = try QueryHarness.rows("SELECT COUNT(*) AS n FROM stdin", Self.lines)
    #expect(count.last == #"{"n":4}"#)
    // Nothing output per row, but a filter: rows kept without values.
    let filtered = try QueryHarness.rows("SELECT COUNT(*) AS n FROM stdin WHERE v >= 2", Self.lines)
    #expect(filtered.last == #"{"n":3}"#)
  }

  @Test func aGroupKeyAlsoAggregatedIsCounted() throws {
    let rows = try QueryHarness.rows(
      "SELECT w, COUNT(w) AS n FROM stdin GROUP BY w", Self.lines)
    #expect(rows.contains(#"{"w":"a long enough string to live on the heap","n":2}"#))
    #expect(rows.contains(#"{"w":"b","n":1}"#))
  }

  @Test func twoQueriesReadTheSameColumn() throws {
    let rows = try QueryHarness.rows(
      "SELECT w FROM stdin WHERE v <= 3; SELECT w AS other, v FROM stdin WHERE v <= 3",
      Self.lines)
    let long = "a long enough string to live on the heap"
    #expect(
      rows == [
        #"{"query":1,"w":"\#(long)"}"#, #"{"query":1,"w":"b"}"#, #"{"query":1,"w":"\#(long)"}"#,
        #"{"query":2,"other":"\#(long)","v":1}"#, #"{"query":2,"other":"b","v":2}"#,
        #"{"query":2,"other":"\#(long)","v":3}"#,
      ])
  }
}
