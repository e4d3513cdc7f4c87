/// One lexical unit of the streamsql dialect, with its position in the source.
///
/// Words keep their original spelling: whether `select` is the keyword SELECT or a column is
/// decided by the parser from its position, so that fields named `event`, `count` or `type`
/// stay usable as column names.
public struct Token: Sendable, Equatable, CustomStringConvertible {
  /// What the token is, with its decoded payload.
  public enum Kind: Sendable, Equatable {
    /// An unquoted identifier or keyword as written: `SELECT`, `user_id`, `Count`.
    case word(String)
    /// `"user-id"`, with `""` unescaped to `"`.
    case quotedIdentifier(String)
    /// `'text'`, with `''` unescaped to `'`.
    case string(String)
    /// `42`: digits only, kept as text so that the parser decides BIGINT or DOUBLE.
    case integer(String)
    /// `1.5`, `2e3`, `.5`: a number with a fraction or an exponent.
    case decimal(String)
    /// An operator or punctuation mark.
    case symbol(Symbol)
    /// The end of the text; its span is empty and sits at the end of the text.
    case endOfInput
  }

  public var kind: Kind
  /// UTF-8 byte offsets of the token in the source text.
  public var span: SourceSpan

  public init(_ kind: Kind, span: SourceSpan) {
    self.kind = kind
    self.span = span
  }

  /// The word in upper case (ASCII only) when the token is an unquoted word, else `nil`.
  ///
  /// Keywords are compared through this, so they are case-insensitive.
  public var keyword: String? {
    guard case .word(let text) = kind else { return nil }
    return Token.uppercased(text)
  }

  /// Whether the token is the unquoted word `word` (given in upper case), in any case.
  public func isKeyword(_ word: String) -> Bool {
    guard case .word(let text) = kind, text.utf8.count == word.utf8.count else { return false }
    return Token.uppercased(text) == word
  }

  /// Whether the token is the operator or punctuation mark `symbol`.
  public func isSymbol(_ symbol: Symbol) -> Bool {
    if case .symbol(let s) = kind { return s == symbol }
    return false
  }

  /// Whether the token is the end of the text.
  public var isEnd: Bool {
    if case .endOfInput = kind { return true }
    return false
  }

  /// A short description for error messages: `'FORM'`, `')'`, `end of input`.
  public var description: String {
    switch kind {
    case .word(let text): return "'\(text)'"
    case .quotedIdentifier(let text): return "'\"\(text)\"'"
    case .string(let text): return "string '\(text)'"
    case .integer(let text), .decimal(let text): return "'\(text)'"
    case .symbol(let symbol): return "'\(symbol.rawValue)'"
    case .endOfInput: return "end of input"
    }
  }

  /// ASCII upper-casing without Foundation; other characters are kept as they are.
  static func uppercased(_ text: String) -> String {
    var bytes = Array(text.utf8)
    for i in bytes.indices where bytes[i] >= 0x61 && bytes[i] <= 0x7A { bytes[i] -= 0x20 }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// ASCII lower-casing without Foundation; other characters are kept as they are.
  static func lowercased(_ text: String) -> String {
    var bytes = Array(text.utf8)
    for i in bytes.indices where bytes[i] >= 0x41 && bytes[i] <= 0x5A { bytes[i] += 0x20 }
    return String(decoding: bytes, as: UTF8.self)
  }
}

/// Operators and punctuation of the dialect. `!=` is lexed as `.notEqual`, like `<>`.
public enum Symbol: String, Sendable, Equatable, CaseIterable {
  case plus = "+"
  case minus = "-"
  case star = "*"
  case slash = "/"
  case percent = "%"
  case concat = "||"
  case equal = "="
  case notEqual = "<>"
  case less = "<"
  case lessOrEqual = "<="
  case greater = ">"
  case greaterOrEqual = ">="
  case doubleColon = "::"
  case leftParen = "("
  case rightParen = ")"
  case comma = ","
  case dot = "."
  case leftBracket = "["
  case rightBracket = "]"
  case semicolon = ";"
}
