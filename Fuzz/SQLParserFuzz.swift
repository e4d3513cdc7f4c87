// libFuzzer target: the SQL parser.
//
// The input, as UTF-8 text (invalid bytes replaced), is parsed as a script. Whatever parses must
// print to SQL that parses again to an equal script, and printing that must give the same text
// (the printer is a fixed point). A parse error is fine; its span must lie inside the text.
import SQLParser

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  // Very long inputs only make the fuzzer slow, not the parser more interesting.
  guard size <= 4096 else { return 0 }
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  let statements: [Statement]
  do {
    statements = try Parser.parseScript(text)
  } catch {
    _ = error.description
    return 0
  }
  let printed = SQLPrinter.print(statements)
  let again: [Statement]
  do {
    again = try Parser.parseScript(printed)
  } catch {
    fatalError("printed SQL does not parse: \(error)\ninput: \(text)\nprinted: \(printed)")
  }
  precondition(again == statements, "round trip changed the script\ninput: \(text)\nprinted: \(printed)")
  let reprinted = SQLPrinter.print(again)
  precondition(reprinted == printed, "printing is not a fixed point\nfirst: \(printed)\nsecond: \(reprinted)")
  return 0
}
