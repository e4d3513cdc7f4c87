/// Turns an AST back into SQL text that parses to the same AST.
public enum SQLPrinter {
  public static func print(_ expr: Expr) -> String { "\(expr.kind)" }
  public static func print(_ statement: Statement) -> String { "\(statement.kind)" }
}
