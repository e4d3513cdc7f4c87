import SQLParser

/// Hands out scan slots for field paths, so each field of a source is extracted once however
/// many expressions and queries read it.
public final class FieldAllocator {
  public private(set) var paths: [FieldPath] = []
  private var slots: [FieldPath: Int] = [:]

  public init() {}

  /// An independent copy, so that planning a statement that may fail leaves the original alone.
  func copy() -> FieldAllocator {
    let c = FieldAllocator()
    c.paths = paths
    c.slots = slots
    return c
  }

  public func slot(for path: FieldPath) -> Int {
    if let s = slots[path] { return s }
    paths.append(path)
    slots[path] = paths.count - 1
    return paths.count - 1
  }
}

/// What names mean inside one SELECT: the source's aliases, its declared columns, and, when the
/// source is a view, the view's output columns.
final class Scope {
  /// A view's select list, bound against the view's own source.
  struct View {
    var items: [(name: String, expr: BoundExpr)]
    /// The view selects `*`: names it does not define fall through to its source.
    var passesThrough: Bool
    var base: Scope
  }

  let fields: FieldAllocator
  /// Lowercased FROM alias and stream name, usable as qualifiers (`c.user_id`).
  let qualifiers: Set<String>
  /// Declared top-level columns and their types; empty means schemaless.
  let declared: [ColumnDefinition]
  let view: View?
  /// False for a SELECT without FROM, where no name can be resolved.
  let hasSource: Bool

  init(
    fields: FieldAllocator, qualifiers: Set<String>, declared: [ColumnDefinition] = [],
    view: View? = nil,
    hasSource: Bool = true
  ) {
    self.fields = fields
    self.qualifiers = qualifiers
    self.declared = declared
    self.view = view
    self.hasSource = hasSource
  }

  /// The whole input row (for `SELECT *`).
  func wholeRow() -> BoundExpr {
    if let view, !view.passesThrough {
      // A view without `*` has no whole row; callers expand its items instead.
      return .literal(.null)
    }
    if let view { return view.base.wholeRow() }
    return .slot(fields.slot(for: []), name: "*")
  }

  /// Binds a static path such as `c.device.os` or `tags[0]`.
  func resolve(_ path: FieldPath, span: SourceSpan) throws(Diagnostic) -> BoundExpr {
    var path = path
    if path.count > 1, case .key(let first) = path[0], qualifiers.contains(first.lowercased()) {
      path.removeFirst()
    }
    guard case .key(let head)? = path.first else {
      throw Diagnostic("a field path must start with a name", span: span)
    }
    guard hasSource else {
      throw Diagnostic(
        "column '\(head)' not found: this SELECT has no FROM clause", span: span,
        note: "add FROM stdin to read the input")
    }
    if let view {
      if let item = view.items.first(where: { $0.name == head })
        ?? view.items.first(where: { $0.name.lowercased() == head.lowercased() })
      {
        return path.count == 1 ? item.expr : .path(item.expr, Array(path.dropFirst()))
      }
      if view.passesThrough { return try view.base.resolve(path, span: span) }
      throw Diagnostic(
        "column '\(head)' not found", span: span,
        note: Scope.suggest(head, among: view.items.map(\.name)))
    }
    if !declared.isEmpty {
      guard
        let column = declared.first(where: { $0.name == head })
          ?? declared.first(where: { $0.name.lowercased() == head.lowercased() })
      else {
        throw Diagnostic(
          "column '\(head)' not found", span: span,
          note: Scope.suggest(head, among: declared.map(\.name)))
      }
      path[0] = .key(column.name)
    }
    return .slot(fields.slot(for: path), name: path.dottedName)
  }

  /// `did you mean 'x'?` for the closest name within two edits.
  static func suggest(_ name: String, among candidates: [String]) -> String? {
    var best: (String, Int)?
    for c in candidates {
      let d = editDistance(name.lowercased(), c.lowercased())
      if d <= 2, d < (best?.1 ?? Int.max) { best = (c, d) }
    }
    return best.map { "did you mean '\($0.0)'?" }
  }

  static func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.unicodeScalars)
    let b = Array(b.unicodeScalars)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = previous
    for i in 1...a.count {
      current[0] = i
      for j in 1...b.count {
        current[j] = Swift.min(
          previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      swap(&previous, &current)
    }
    return previous[b.count]
  }
}
