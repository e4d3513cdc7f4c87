import Testing

@testable import Executor

@Suite struct LikeTests {
  @Test func percentAndUnderscore() {
    #expect(LikePattern(pattern: "GET /api/%").matches("GET /api/users"))
    #expect(!LikePattern(pattern: "GET /api/%").matches("POST /api/users"))
    #expect(LikePattern(pattern: "%error%").matches("an error here"))
    #expect(LikePattern(pattern: "%error%").matches("error"))
    #expect(!LikePattern(pattern: "%error%").matches("err"))
    #expect(LikePattern(pattern: "a_c").matches("abc"))
    #expect(!LikePattern(pattern: "a_c").matches("abbc"))
    #expect(LikePattern(pattern: "%").matches(""))
    #expect(!LikePattern(pattern: "_").matches(""))
    #expect(LikePattern(pattern: "").matches(""))
    #expect(!LikePattern(pattern: "").matches("x"))
    #expect(LikePattern(pattern: "%a%b%c").matches("xxaxxbxxbc"))
    #expect(!LikePattern(pattern: "%a%b%c").matches("xxaxxbxxbcd"))
    #expect(LikePattern(pattern: "%%ab%%").matches("zzab"))
  }

  @Test func wholeStringMustMatch() {
    #expect(!LikePattern(pattern: "abc").matches("abcd"))
    #expect(!LikePattern(pattern: "bc").matches("abc"))
  }

  @Test func escape() {
    let p = LikePattern(pattern: "10\\%%", escape: "\\")
    #expect(p.matches("10% off"))
    #expect(!p.matches("100 off"))
    #expect(LikePattern(pattern: "a!_b", escape: "!").matches("a_b"))
    #expect(!LikePattern(pattern: "a!_b", escape: "!").matches("axb"))
    #expect(LikePattern(pattern: "a!!", escape: "!").matches("a!"))
  }

  @Test func ilikeIsCaseInsensitive() {
    #expect(LikePattern(pattern: "%ERROR%", caseInsensitive: true).matches("an Error"))
    #expect(!LikePattern(pattern: "%ERROR%").matches("an Error"))
    #expect(LikePattern(pattern: "straße", caseInsensitive: true).matches("STRAßE"))
    #expect(LikePattern(pattern: "É_", caseInsensitive: true).matches("éa"))
  }

  @Test func unicodeScalarsCountAsOne() {
    #expect(LikePattern(pattern: "_").matches("é"))
    #expect(LikePattern(pattern: "a_c").matches("a😀c"))
  }

  @Test func pathologicalPatternStaysFast() {
    let text = String(repeating: "a", count: 2000)
    #expect(!LikePattern(pattern: "%a%a%a%a%a%b").matches(text))
  }
}
