import Planner
import Testing

@testable import Executor

func render(_ format: OutputFormat, _ columns: [String], _ rows: [[Value]], spread: [Bool] = [])
  -> String
{
  var formatter = format.makeFormatter(columns: columns, spread: spread)
  var out: [UInt8] = []
  formatter.begin(into: &out)
  for row in rows { formatter.write(row, into: &out) }
  formatter.end(into: &out)
  return String(decoding: out, as: UTF8.self)
}

let columns = ["name", "n", "x", "ts", "j"]
let rows: [[Value]] = [
  [
    .string("plain"), .int(3), .double(1094.0), .timestamp(1_795_680_060_000), .json(#"{"k":[1]}"#),
  ],
  [.string("a,\"q\"\nb\tc\\"), .int(-12), .double(181.57999999999998), .null, .bool(true)],
  [.null, .null, .double(.nan), .interval(1500), .string("")],
]

@Test func jsonWriter() {
  var out: [UInt8] = []
  JSONWriter.appendString("q\"b\\n\n\t\r\u{8}\u{c}\u{1}\u{1F}é😀", to: &out)
  #expect(String(decoding: out, as: UTF8.self) == #""q\"b\\n\n\t\r\b\f\u0001\u001fé😀""#)
  let cases: [(Value, String)] = [
    (.null, "null"), (.bool(false), "false"), (.int(.min), "-9223372036854775808"), (.int(0), "0"),
    (.double(1e-05), "1e-05"), (.double(-0.0), "-0.0"), (.double(.infinity), "null"),
    (.double(0.1), "0.1"),
    (.timestamp(0), #""1970-01-01T00:00:00.000Z""#), (.interval(60000), "60000"),
    (.json("[1, 2]"), "[1, 2]"),
  ]
  for (v, want) in cases {
    var o: [UInt8] = []
    JSONWriter.appendValue(v, to: &o)
    #expect(String(decoding: o, as: UTF8.self) == want)
  }
}

@Test func ndjsonFormat() {
  #expect(
    render(.ndjson, columns, rows) == """
      {"name":"plain","n":3,"x":1094.0,"ts":"2026-11-26T08:01:00.000Z","j":{"k":[1]}}
      {"name":"a,\\"q\\"\\nb\\tc\\\\","n":-12,"x":181.57999999999998,"ts":null,"j":true}
      {"name":null,"n":null,"x":null,"ts":1500,"j":""}

      """)
}

@Test func csvFormat() {
  #expect(
    render(.csv, columns, rows) == """
      name,n,x,ts,j
      plain,3,1094.0,2026-11-26T08:01:00.000Z,"{""k"":[1]}"
      "a,""q""
      b\tc\\",-12,181.57999999999998,,true
      ,,nan,1500,""

      """)
}

@Test func tsvFormat() {
  #expect(
    render(.tsv, columns, rows) == """
      name\tn\tx\tts\tj
      plain\t3\t1094.0\t2026-11-26T08:01:00.000Z\t{"k":[1]}
      a,"q"\\nb\\tc\\\\\t-12\t181.57999999999998\t\ttrue
      \t\tnan\t1500\t

      """)
}

@Test func tableFormat() {
  #expect(
    render(
      .table, ["w", "count"],
      [
        [.string("日本"), .int(3)], [.string("e\u{301}x\nz"), .null],
        [.string("long text"), .double(12.5)],
      ]) == """
        +-----------+-------+
        | w         | count |
        +-----------+-------+
        | 日本      |     3 |
        | éx\\nz     | NULL  |
        | long text |  12.5 |
        +-----------+-------+

        """)
  #expect(render(.table, ["a"], []) == "+---+\n| a |\n+---+\n")
}

@Test func spreadColumns() {
  let cols = ["t", "*"]
  let spreadRows: [[Value]] = [
    [.int(1), .null],
    [.int(2), .json(#"{"user": "u1", "n": 5}"#)],
    [.int(3), .json(#"{"n": 6, "extra": true}"#)],
  ]
  #expect(
    render(.ndjson, cols, spreadRows, spread: [false, true]) == """
      {"t":1}
      {"t":2,"user": "u1", "n": 5}
      {"t":3,"n": 6, "extra": true}

      """)
  #expect(render(.csv, cols, spreadRows, spread: [false, true]) == "t,user,n\n1,,\n2,u1,5\n3,,6\n")
  #expect(
    render(.tsv, cols, spreadRows, spread: [false, true]) == "t\tuser\tn\n1\t\t\n2\tu1\t5\n3\t\t6\n"
  )
  #expect(render(.csv, cols, [[.int(1), .null]], spread: [false, true]) == "t\n1\n")
  #expect(
    render(.table, cols, spreadRows, spread: [false, true]) == """
      +---+------+------+
      | t | user | n    |
      +---+------+------+
      | 1 | NULL | NULL |
      | 2 | u1   |    5 |
      | 3 | NULL |    6 |
      +---+------+------+

      """)
}
