/// Expression printing with minimal parentheses.
///
/// Each expression prints with a binding level that mirrors the parser's precedence climbing
/// (`Level`); a child is parenthesised only when its level is looser than its position allows.
/// Binary operators are left-associative, so the right operand of `a - (b - c)` keeps its
/// parentheses while `a - b - c` needs none.
extension SQLPrinter {
  /// Binding levels, loosest first, as in `Parser+Expression.swift`.
  enum Level: Int, Comparable {
    case or = 1
    case and, not, comparison, concat, additive, multiplicative, unary, cast, postfix, primary

    static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The next tighter level: what the right operand of a left-associative operator needs.
    var tighter: Level { Level(rawValue: rawValue + 1) ?? .primary }
  }

  static func level(of op: BinaryOperator) -> Level {
    switch op {
    case .or: return .or
    case .and: return .and
    case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual: return .comparison
    case .concat: return .concat
    case .add, .subtract: return .additive
    case .multiply, .divide, .modulo: return .multiplicative
    }
  }

  /// The text of `expr` and the level it binds at.
  static func render(_ expr: Expr) -> (text: String, level: Level) {
    switch expr.kind {
    case .literal(let literal):
      return (print(literal), isNegativeNumber(literal) ? .unary : .primary)
    case .identifier(let name, let quoted):
      return (quoted ? quoteIdentifier(name) : SQLPrinter.name(name), .primary)
    case .member(let base, let field):
      // Any word may follow a dot, even a reserved one (`payload.end`).
      let fieldText = isPlainWord(field) ? field : quoteIdentifier(field)
      return (postfixBase(base) + "." + fieldText, .postfix)
    case .subscript(let base, let index):
      return (postfixBase(base) + "[" + print(index) + "]", .postfix)
    case .star(let qualifier):
      return (qualifier.map { SQLPrinter.name($0) + ".*" } ?? "*", .primary)
    case .unary(.not, let operand):
      return ("NOT " + operandText(operand, atLeast: .not), .not)
    case .unary(let op, let operand):
      var text = operandText(operand, atLeast: .unary)
      // `--` starts a comment: a space keeps signs apart (not parentheses, which would double
      // the nesting the parser counts, so a deep `+ + + x` would print to text it rejects).
      // `-5` would fold into a literal, and so would the `5` that starts `5::bigint`: a negated
      // operand whose text starts with a number needs parentheses. A `+` never folds, and
      // parentheses there would add a level the source may not have had.
      // Bytes, not Characters: a sign followed by a combining mark is one Character but still a
      // sign to the lexer.
      let first = text.utf8.first
      if first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
        text = " " + text
      } else if op == .negate, isNumber(operand) || first.map({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }) == true {
        text = "(" + text + ")"
      }
      return (op.rawValue + text, .unary)
    case .binary(let op, let left, let right):
      let level = level(of: op)
      let text =
        operandText(left, atLeast: level) + " " + op.rawValue + " "
        + operandText(right, atLeast: level.tighter)
      return (text, level)
    case .between(let operand, let low, let high, let negated):
      let text =
        operandText(operand, atLeast: .comparison) + (negated ? " NOT" : "") + " BETWEEN "
        + operandText(low, atLeast: .concat) + " AND " + operandText(high, atLeast: .concat)
      return (text, .comparison)
    case .inList(let operand, let list, let negated):
      let text =
        operandText(operand, atLeast: .comparison) + (negated ? " NOT IN (" : " IN (")
        + list.map { print($0) }.joined(separator: ", ") + ")"
      return (text, .comparison)
    case .like(let operand, let pattern, let escape, let caseInsensitive, let negated):
      var text =
        operandText(operand, atLeast: .comparison) + (negated ? " NOT " : " ")
        + (caseInsensitive ? "ILIKE " : "LIKE ") + operandText(pattern, atLeast: .concat)
      if let escape { text += " ESCAPE " + operandText(escape, atLeast: .concat) }
      return (text, .comparison)
    case .isNull(let operand, let negated):
      return (
        operandText(operand, atLeast: .comparison) + (negated ? " IS NOT NULL" : " IS NULL"),
        .comparison
      )
    case .caseWhen(let operand, let branches, let otherwise):
      var text = "CASE"
      if let operand { text += " " + print(operand) }
      for branch in branches {
        text += " WHEN " + print(branch.condition) + " THEN " + print(branch.result)
      }
      if let otherwise { text += " ELSE " + print(otherwise) }
      return (text + " END", .primary)
    case .cast(let operand, let type, let isTry, let syntax):
      if syntax == .doubleColon && !isTry {
        return (operandText(operand, atLeast: .cast) + "::" + type.rawValue, .cast)
      }
      return (
        (isTry ? "TRY_CAST(" : "CAST(") + print(operand) + " AS " + type.rawValue + ")", .primary
      )
    case .function(let name, let args, let distinct, let star):
      let inside =
        star ? "*" : (distinct ? "DISTINCT " : "") + args.map { print($0) }.joined(separator: ", ")
      return (name + "(" + inside + ")", .primary)
    case .extract(let field, let operand):
      let fieldText = isPlainWord(field) ? Token.uppercased(field) : quoteString(field)
      return ("EXTRACT(" + fieldText + " FROM " + print(operand) + ")", .primary)
    }
  }

  /// The text of `expr`, parenthesised when it binds looser than `level`.
  static func operandText(_ expr: Expr, atLeast level: Level) -> String {
    let (text, own) = render(expr)
    return own < level ? "(" + text + ")" : text
  }

  /// The base of `.name` or `[i]`: a number is parenthesised, since `5.x` would lex as `5.`.
  static func postfixBase(_ base: Expr) -> String {
    isNumber(base) ? "(" + print(base) + ")" : operandText(base, atLeast: .postfix)
  }

  static func isNumber(_ expr: Expr) -> Bool {
    switch expr.kind {
    case .literal(.integer), .literal(.double): return true
    default: return false
    }
  }

  static func isNegativeNumber(_ literal: Literal) -> Bool {
    switch literal {
    case .integer(let value): return value < 0
    case .double(let value): return value < 0 || (value == 0 && value.sign == .minus) || value.isNaN
    default: return false
    }
  }
}
