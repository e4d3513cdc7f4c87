import Planner
import SQLParser
import Testing

@testable import Executor

/// Calls a function by SQL name, as the engine would after binding.
private func call(_ name: String, _ args: Value..., now: Int64 = 0) throws -> Value {
  let function = try #require(ScalarFunction.lookup(name))
  return try function.evaluate(args, now: now, cache: RegexCache())
}

private let t0 = Timestamp.parse("2026-11-26T08:01:02.345Z")!

@Suite struct FunctionCatalogueTests {
  @Test func lookupIsCaseInsensitiveWithAliases() {
    #expect(ScalarFunction.lookup("LOWER") == .lower)
    #expect(ScalarFunction.lookup("substring") == .substr)
    #expect(ScalarFunction.lookup("Ceiling") == .ceil)
    #expect(ScalarFunction.lookup("pow") == .power)
    #expect(ScalarFunction.lookup("strftime") == .formatTimestamp)
    #expect(ScalarFunction.lookup("json_extract_path") == .jsonExtract)
    #expect(ScalarFunction.lookup("nope") == nil)
    #expect(ScalarFunction.allNames.contains("substring"))
    #expect(ScalarFunction.allNames.contains("split_part"))
  }

  @Test func arityAndTypes() {
    #expect(ScalarFunction.round.arity == 1...2)
    #expect(ScalarFunction.now.arity == 0...0)
    #expect(ScalarFunction.concat.arity.contains(20))
    #expect(ScalarFunction.abs.resultType([.bigint]) == .bigint)
    #expect(ScalarFunction.abs.resultType([.any]) == .any)
    #expect(ScalarFunction.length.resultType([.varchar]) == .bigint)
    #expect(ScalarFunction.coalesce.resultType([.null, .varchar, .varchar]) == .varchar)
    #expect(ScalarFunction.coalesce.resultType([.bigint, .varchar]) == .any)
    #expect(ScalarFunction.dateTrunc.resultType([.varchar, .any]) == .timestamp)
  }

  @Test func suggestions() {
    #expect(ScalarFunction.suggestion(for: "lenght") == "length")
    #expect(ScalarFunction.suggestion(for: "uper") == "upper")
    #expect(ScalarFunction.suggestion(for: "date_trunk") == "date_trunc")
    #expect(ScalarFunction.suggestion(for: "x") == nil)
    #expect(ScalarFunction.suggestion(for: "completely_unknown") == nil)
  }

  @Test func wrongArgumentCountThrows() {
    #expect(throws: RowError.self) { try ScalarFunction.lower.evaluate([], now: 0) }
  }
}

@Suite struct StringFunctionTests {
  @Test func basics() throws {
    #expect(try call("lower", .string("HeLLo")) == .string("hello"))
    #expect(try call("upper", .string("straße")) == .string("STRASSE"))
    #expect(try call("length", .string("héllo😀")) == .int(6))
    #expect(try call("trim", .string("  x \n")) == .string("x"))
    #expect(try call("trim", .string("xxaxx"), .string("x")) == .string("a"))
    #expect(try call("ltrim", .string("  x ")) == .string("x "))
    #expect(try call("rtrim", .string("  x ")) == .string("  x"))
    #expect(try call("replace", .string("a-b-c"), .string("-"), .string("+")) == .string("a+b+c"))
    #expect(try call("replace", .string("abc"), .string(""), .string("+")) == .string("abc"))
    #expect(try call("starts_with", .string("GET /x"), .string("GET")) == .bool(true))
    #expect(try call("ends_with", .string("a.json"), .string(".json")) == .bool(true))
    #expect(try call("contains", .string("needle in hay"), .string("in h")) == .bool(true))
    #expect(try call("contains", .string("abc"), .string("x")) == .bool(false))
  }

  @Test func substrBounds() throws {
    #expect(try call("substr", .string("hello"), .int(2), .int(3)) == .string("ell"))
    #expect(try call("substr", .string("hello"), .int(2)) == .string("ello"))
    #expect(try call("substring", .string("hello"), .int(0), .int(2)) == .string("h"))
    #expect(try call("substr", .string("hello"), .int(-3)) == .string("llo"))
    #expect(try call("substr", .string("hello"), .int(10)) == .string(""))
    #expect(try call("substr", .string("hello"), .int(4), .int(100)) == .string("lo"))
    #expect(try call("substr", .string("hello"), .int(1), .int(0)) == .string(""))
    #expect(try call("substr", .string("h😀llo"), .int(2), .int(1)) == .string("😀"))
    #expect(try call("substr", .string("hello"), .int(Int64.min)) == .string("hello"))
    #expect(try call("substr", .string("hello"), .string("2")) == .null)
  }

  @Test func splitPart() throws {
    #expect(try call("split_part", .string("a,b,c"), .string(","), .int(2)) == .string("b"))
    #expect(try call("split_part", .string("a,b,c"), .string(","), .int(-1)) == .string("c"))
    #expect(try call("split_part", .string("a,b,c"), .string(","), .int(4)) == .string(""))
    #expect(try call("split_part", .string("a::b"), .string("::"), .int(2)) == .string("b"))
    #expect(try call("split_part", .string("abc"), .string(""), .int(1)) == .string("abc"))
  }

  @Test func concatSkipsNulls() throws {
    #expect(try call("concat", .string("a"), .null, .int(1), .double(2.5)) == .string("a12.5"))
    #expect(
      try call("concat_ws", .string("-"), .string("a"), .null, .string("b")) == .string("a-b"))
    #expect(try call("concat_ws", .null, .string("a")) == .null)
  }

  @Test func nullsAndWrongTypes() throws {
    #expect(try call("lower", .null) == .null)
    #expect(try call("lower", .int(5)) == .null)
    #expect(try call("length", .bool(true)) == .null)
    #expect(try call("replace", .string("a"), .null, .string("b")) == .null)
    #expect(try call("starts_with", .string("a"), .int(1)) == .null)
  }

  @Test func regex() throws {
    #expect(try call("regexp_matches", .string("user-42"), .string("\\d+")) == .bool(true))
    #expect(try call("regexp_matches", .string("USER"), .string("^user$")) == .bool(false))
    #expect(
      try call("regexp_matches", .string("USER"), .string("^user$"), .string("i")) == .bool(true))
    #expect(
      try call("regexp_extract", .string("id=42;x"), .string("id=(\\d+)"), .int(1)) == .string("42")
    )
    #expect(try call("regexp_extract", .string("id=42"), .string("\\d+")) == .string("42"))
    #expect(try call("regexp_extract", .string("none"), .string("\\d+")) == .string(""))
    #expect(
      try call("regexp_replace", .string("a1b2"), .string("\\d"), .string("#")) == .string("a#b2"))
    #expect(
      try call("regexp_replace", .string("a1b2"), .string("\\d"), .string("#"), .string("g"))
        == .string("a#b#"))
    #expect(
      try call(
        "regexp_replace", .string("john smith"), .string("(\\w+) (\\w+)"), .string("\\2, \\1"))
        == .string("smith, john"))
    #expect(try call("regexp_matches", .null, .string("x")) == .null)
    #expect(try call("regexp_matches", .int(1), .string("1")) == .null)
    #expect(throws: RowError.self) { try call("regexp_matches", .string("a"), .string("(")) }
    #expect(throws: RowError.self) {
      try call("regexp_extract", .string("a"), .string("a"), .int(3))
    }
  }

  @Test func regexCacheIsBoundedAndRemembersErrors() throws {
    let cache = RegexCache(capacity: 2)
    for p in ["a", "b", "c"] { _ = try cache.regex(p) }
    #expect(cache.count <= 2)
    #expect(throws: RowError.self) { try cache.regex("[") }
    #expect(throws: RowError.self) { try cache.regex("[") }
  }
}

@Suite struct MathFunctionTests {
  @Test func absSignFloorCeil() throws {
    #expect(try call("abs", .int(-3)) == .int(3))
    #expect(try call("abs", .double(-2.5)) == .double(2.5))
    #expect(try call("abs", .int(Int64.min)) == .null)
    #expect(try call("sign", .double(-0.1)) == .int(-1))
    #expect(try call("sign", .int(0)) == .int(0))
    #expect(try call("floor", .double(-1.5)) == .double(-2))
    #expect(try call("ceil", .double(1.2)) == .double(2))
    #expect(try call("ceiling", .int(7)) == .int(7))
  }

  @Test func roundHalvesAwayFromZero() throws {
    #expect(try call("round", .double(2.5)) == .double(3))
    #expect(try call("round", .double(-2.5)) == .double(-3))
    #expect(try call("round", .double(1.2345), .int(2)) == .double(1.23))
    #expect(try call("round", .double(1.235), .int(1)) == .double(1.2))
    #expect(try call("round", .double(1250), .int(-2)) == .double(1300))
    #expect(try call("round", .int(7)) == .int(7))
    #expect(try call("round", .int(1250), .int(-2)) == .int(1300))
    #expect(try call("round", .int(-1250), .int(-2)) == .int(-1300))
    #expect(try call("round", .int(1249), .int(-2)) == .int(1200))
    #expect(try call("round", .int(Int64.max), .int(-1)) == .null)
    #expect(try call("round", .string("1.5")) == .null)
  }

  @Test func transcendental() throws {
    #expect(try call("sqrt", .int(16)) == .double(4))
    #expect(try call("sqrt", .int(-1)) == .null)
    #expect(try call("ln", .double(1)) == .double(0))
    #expect(try call("ln", .int(0)) == .null)
    #expect(try call("log10", .int(1000)) == .double(3))
    #expect(try call("exp", .int(0)) == .double(1))
    #expect(try call("exp", .int(10000)) == .null)
    #expect(try call("power", .int(2), .int(10)) == .double(1024))
    #expect(try call("pow", .double(-8), .double(0.5)) == .null)
    #expect(try call("sqrt", .string("4")) == .null)
    #expect(try call("power", .null, .int(2)) == .null)
  }

  @Test func greatestLeast() throws {
    #expect(try call("greatest", .int(1), .double(2.5), .int(2)) == .double(2.5))
    #expect(try call("least", .int(1), .null, .int(-4)) == .int(-4))
    #expect(try call("greatest", .string("a"), .string("b")) == .string("b"))
    #expect(try call("greatest", .null, .null) == .null)
    #expect(try call("greatest", .int(1), .string("a")) == .null)
  }

  @Test func conditionalAndTypes() throws {
    #expect(try call("coalesce", .null, .int(2), .int(3)) == .int(2))
    #expect(try call("coalesce", .null, .null) == .null)
    #expect(try call("nullif", .int(1), .int(1)) == .null)
    #expect(try call("nullif", .int(1), .int(2)) == .int(1))
    #expect(try call("nullif", .int(1), .null) == .int(1))
    #expect(try call("typeof", .int(1)) == .string("BIGINT"))
    #expect(try call("typeof", .null) == .string("NULL"))
    #expect(try call("typeof", .json("[]")) == .string("JSON"))
  }
}

@Suite struct TimeFunctionTests {
  @Test func nowIsTheGivenClock() throws {
    #expect(try call("now", now: 42) == .timestamp(42))
  }

  @Test func toTimestampEpochRule() throws {
    #expect(try call("to_timestamp", .int(1_700_000_000)) == .timestamp(1_700_000_000_000))
    #expect(try call("to_timestamp", .int(99_999_999_999)) == .timestamp(99_999_999_999_000))
    #expect(try call("to_timestamp", .int(100_000_000_000)) == .timestamp(100_000_000_000))
    #expect(try call("to_timestamp", .double(1_700_000_000.5)) == .timestamp(1_700_000_000_500))
    #expect(try call("to_timestamp", .string("1700000000")) == .timestamp(1_700_000_000_000))
    #expect(try call("to_timestamp", .string("2026-11-26T08:01:02.345Z")) == .timestamp(t0))
    #expect(try call("to_timestamp", .string("garbage")) == .null)
    #expect(try call("to_timestamp", .null) == .null)
    #expect(try call("to_timestamp", .bool(true)) == .null)
  }

  @Test func toTimestampUnits() throws {
    #expect(try call("to_timestamp", .int(5), .string("s")) == .timestamp(5000))
    #expect(try call("to_timestamp", .int(5), .string("ms")) == .timestamp(5))
    #expect(try call("to_timestamp", .int(5_500), .string("us")) == .timestamp(5))
    #expect(try call("to_timestamp", .int(-1), .string("us")) == .timestamp(-1))
    #expect(try call("to_timestamp", .double(1.5), .string("s")) == .timestamp(1500))
    #expect(try call("to_timestamp", .int(Int64.max), .string("s")) == .null)
  }

  @Test func toTimestampFormats() throws {
    #expect(
      try call("to_timestamp", .string("26/11/2026 08:01:02.345"), .string("%d/%m/%Y %H:%M:%S.%f"))
        == .timestamp(t0))
    #expect(
      try call(
        "to_timestamp", .string("2026-11-26 09:01:02 +01:00"), .string("%Y-%m-%d %H:%M:%S %z"))
        == .timestamp(t0 - 345))
    #expect(
      try call("to_timestamp", .string("Nov 26 2026 8:01:02 AM"), .string("%b %d %Y %I:%M:%S %p"))
        == .timestamp(t0 - 345))
    #expect(try call("to_timestamp", .string("2026-02-30"), .string("%Y-%m-%d")) == .null)
    #expect(try call("to_timestamp", .string("2026-11-26x"), .string("%Y-%m-%d")) == .null)
    #expect(throws: RowError.self) { try call("to_timestamp", .string("x"), .string("%Q")) }
  }

  @Test func dateTrunc() throws {
    #expect(
      try call("date_trunc", .string("second"), .timestamp(t0))
        == .timestamp(Timestamp.parse("2026-11-26T08:01:02Z")!))
    #expect(
      try call("date_trunc", .string("minute"), .timestamp(t0))
        == .timestamp(Timestamp.parse("2026-11-26T08:01:00Z")!))
    #expect(
      try call("date_trunc", .string("HOUR"), .timestamp(t0))
        == .timestamp(Timestamp.parse("2026-11-26T08:00:00Z")!))
    #expect(
      try call("date_trunc", .string("day"), .timestamp(t0))
        == .timestamp(Timestamp.parse("2026-11-26")!))
    #expect(
      try call("date_trunc", .string("month"), .timestamp(t0))
        == .timestamp(Timestamp.parse("2026-11-01")!))
    #expect(
      try call("date_trunc", .string("quarter"), .timestamp(t0))
        == .timestamp(Timestamp.parse("2026-10-01")!))
    #expect(
      try call("date_trunc", .string("year"), .timestamp(t0))
        == .timestamp(Timestamp.parse("2026-01-01")!))
    #expect(
      try call("date_trunc", .string("minutes"), .string("2026-11-26T08:01:59Z"))
        == .timestamp(Timestamp.parse("2026-11-26T08:01:00Z")!))
    #expect(try call("date_trunc", .string("day"), .int(-1)) == .timestamp(-86_400_000))
    #expect(try call("date_trunc", .string("day"), .string("nope")) == .null)
    #expect(throws: RowError.self) { try call("date_trunc", .string("fortnight"), .timestamp(t0)) }
  }

  @Test func dateTruncWeekStartsMonday() throws {
    // 2026-11-26 is a Thursday; its ISO week starts Monday 2026-11-23.
    let monday = Timestamp.parse("2026-11-23")!
    #expect(try call("date_trunc", .string("week"), .timestamp(t0)) == .timestamp(monday))
    #expect(try call("date_trunc", .string("week"), .timestamp(monday)) == .timestamp(monday))
    // Sunday 23:59 belongs to the week that began six days before.
    let sunday = Timestamp.parse("2026-11-29T23:59:59Z")!
    #expect(try call("date_trunc", .string("week"), .timestamp(sunday)) == .timestamp(monday))
    // Before the epoch: 1969-12-31 (Wednesday) → Monday 1969-12-29.
    #expect(
      try call("date_trunc", .string("week"), .timestamp(-1))
        == .timestamp(Timestamp.parse("1969-12-29")!))
  }

  @Test func formatTimestamp() throws {
    #expect(
      try call("format_timestamp", .timestamp(t0), .string("%Y-%m-%d %H:%M:%S"))
        == .string("2026-11-26 08:01:02"))
    #expect(
      try call("strftime", .timestamp(t0), .string("%a %b %e %I%p %j %f %g"))
        == .string("Thu Nov 26 08AM 330 345000 345"))
    #expect(
      try call("format_timestamp", .timestamp(t0), .string("%F %T%z %Z %u %w %%"))
        == .string("2026-11-26 08:01:02+0000 UTC 4 4 %"))
    #expect(try call("format_timestamp", .int(0), .string("%s")) == .string("0"))
    #expect(try call("format_timestamp", .null, .string("%Y")) == .null)
    #expect(throws: RowError.self) { try call("format_timestamp", .timestamp(0), .string("%Q")) }
  }

  @Test func epochFunctions() throws {
    #expect(try call("epoch_ms", .timestamp(t0)) == .int(t0))
    #expect(try call("epoch_ms", .string("1970-01-01T00:00:01Z")) == .int(1000))
    #expect(try call("epoch", .timestamp(1500)) == .double(1.5))
    #expect(try call("epoch_ms", .bool(false)) == .null)
  }
}

@Suite struct JSONFunctionTests {
  let doc = Value.json(
    #"{"a": {"b": [10, {"c": "x\u00e9\n"}, 2.5, true, null]}, "odd key": 7, "n": 1e2}"#)

  @Test func paths() throws {
    #expect(try call("json_extract", doc, .string("$.a.b[0]")) == .int(10))
    #expect(try call("json_extract", doc, .string("a.b[1].c")) == .string("xé\n"))
    #expect(try call("json_extract", doc, .string("$.a.b[2]")) == .double(2.5))
    #expect(try call("json_extract", doc, .string("$.a.b[3]")) == .bool(true))
    #expect(try call("json_extract", doc, .string("$.a.b[4]")) == .null)
    #expect(try call("json_extract", doc, .string("$[\"odd key\"]")) == .int(7))
    #expect(try call("json_extract", doc, .string("/a/b/0")) == .int(10))
    #expect(try call("json_extract", doc, .string("$.n")) == .double(100))
    #expect(
      try call("json_extract_path", doc, .string("$.a.b[1]")) == .json(#"{"c": "x\u00e9\n"}"#))
  }

  @Test func missingAndMalformed() throws {
    #expect(try call("json_extract", doc, .string("$.zzz")) == .null)
    #expect(try call("json_extract", doc, .string("$.a.b[9]")) == .null)
    #expect(try call("json_extract", .string(#"{"a": 1}"#), .string("a")) == .int(1))
    #expect(try call("json_extract", .string("{not json"), .string("a")) == .null)
    #expect(try call("json_extract", .int(1), .string("a")) == .null)
    #expect(try call("json_extract", doc, .string("$.a[")) == .null)
    #expect(try call("json_extract", .null, .string("a")) == .null)
  }

  @Test func deepNestingDoesNotCrash() throws {
    let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
    #expect(try call("json_extract", .string(#"{"a": "# + deep + "}"), .string("a")) == .null)
    #expect(!JSONPathReader.isDocument(deep))
  }
}
