import Foundation
import Testing

@testable import SQLParser

/// Inputs the fuzzer (`Fuzz/SQLParserFuzz.swift`) found, each named after what broke. The
/// property is the harness's: whatever parses prints to SQL that parses to the same statements,
/// and printing is a fixed point.
@Suite struct FuzzRegressionTests {
  func roundTrips(_ text: String) throws {
    let parsed = try Parser.parseScript(text)
    let printed = SQLPrinter.print(parsed)
    let reparsed = try Parser.parseScript(printed)
    #expect(reparsed == parsed, "printed as: \(printed)")
    #expect(SQLPrinter.print(reparsed) == printed)
  }

  /// The printer wrapped each nested sign in parentheses (`+(+(+x))`), which the parser counts as
  /// twice the nesting, so 130 signs printed to SQL beyond `Parser.maxDepth`.
  @Test func nestedSignsPrintWithinTheDepthLimit() throws {
    let crash = try #require(
      Data(
        base64Encoded: """
          U0VMRUNULSAxLDUsIDJlMywgKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrMS41RS03LCA5OTk5OTk5OTksIC05MjIz////////////M///////////////////NDc3NTgwOA==
          """))
    try roundTrips(String(decoding: crash, as: UTF8.self))
    for signs in ["+", "+-", "-+", "- "] {
      let deep = String(repeating: signs, count: 120 / signs.count)
      try roundTrips("SELECT \(deep)x, \(deep)5, \(deep)1.5 FROM stdin")
    }
  }

  /// A `+` before a number printed as `+(3790)`: the parentheses are one more level than the
  /// source had, so a sign chain exactly at `Parser.maxDepth` printed to SQL beyond it.
  @Test func manySignsBeforeANumberRoundTrip() throws {
    let crash = try #require(
      Data(
        base64Encoded: """
          U0VMRUNULSAxLDUsIDJlMywgKysrKysrKysrKysrKysrKysrKysrK78rKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKysrKzM3OTBF
          """))
    try roundTrips(String(decoding: crash, as: UTF8.self))
    let printed = SQLPrinter.print(try Parser.parseScript("SELECT +5, +5::bigint, + +1.5 FROM stdin"))
    #expect(printed.contains("+5, +5::BIGINT, + +1.5"), "printed as: \(printed)")
    try roundTrips("SELECT +5, +5::bigint, + +1.5, +(5), -(5), - (5)::bigint FROM stdin")
  }

  @Test func signsStayApartFromCommentsAndLiterals() throws {
    let printed = SQLPrinter.print(
      try Parser.parseScript("SELECT - -x, -(5), + -5, -(-5), - +x FROM stdin"))
    #expect(!printed.contains("--"))
    try roundTrips(printed)
  }

  /// A quote followed by a combining mark is one Character, so the printer's Character-level
  /// escaping missed it and printed an unterminated string; the lexer reads bytes.
  @Test func quoteBeforeACombiningMarkIsEscaped() throws {
    let crash = try #require(
      Data(
        base64Encoded: """
          U0VMRUNUICdpdCcn2Z3vv73Sm8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHx8fHv8dzJ0ludCwgT1cgVFVNVUUsIGZhbHNtZSwgTlVMTA==
          """))
    try roundTrips(String(decoding: crash, as: UTF8.self))
    try roundTrips("SELECT 'a''\u{301}b', \"x\"\"\u{301}\" FROM stdin")
  }

  /// `- (5)::bigint` (a negated cast) printed as `-5::bigint`, which parses as a cast of the
  /// literal -5: an operand whose text starts with a number is parenthesised.
  @Test func negatedCastOfANumberKeepsItsShape() throws {
    let crash = try #require(Data(base64Encoded: """
      U0VMRUNUIC01OjpiaWdpbnQsLSAoNSk6OmJpZ2ludCwgZGV2aWNlLm9zOjp2YXJjaGFyIEZST00gc3RkaW4=
      """))
    try roundTrips(String(decoding: crash, as: UTF8.self))
    try roundTrips("SELECT - (5)::bigint, - (1.5)::double, + (2)::bigint, -(5)[0] FROM stdin")
  }

  /// `- -x` where `-` is followed by a combining mark: the printer compared Characters, saw no
  /// sign, and wrote `--`, which starts a comment.
  @Test func signBeforeACombiningMarkKeepsItsSpace() throws {
    let crash = try #require(Data(base64Encoded: "U0VMRUNUIGIgIGMsLXgsICt4LCAtIC3WllLvv73v8DAsIC0oYSArIGIpIC14LCAreCwgLSAt8DAsIC0oYSArIGIp"))
    try roundTrips(String(decoding: crash, as: UTF8.self))
    try roundTrips("SELECT - -\u{596}x, + +\u{301}y FROM stdin")
  }
}
