import Planner

/// Which extracted fields the queries of a source read only as their event time.
///
/// Such a field (`ts` in `... TIMESTAMP BY ts`) is never shown, compared or grouped on: each
/// row's string there is only parsed into milliseconds. The scan can then parse the bytes
/// straight into `.timestamp`, skipping the `String` (see `FieldExtractor`'s `timeSlots`);
/// the event time it yields is the same, as `ScalarFunction.timestampArgument` gives a
/// `.timestamp` back unchanged and parses a string with the same `Timestamp.parse`.
enum EventTimeSlots {
  /// The slots that some query (or its `dedupe_key` stream time) reads as exactly that slot,
  /// and that no query reads in any other expression over the scanned row.
  static func find(in queries: [QueryPlan]) -> Set<Int> {
    var asTime = Set<Int>()
    var otherwise = Set<Int>()
    for plan in queries {
      for e in [plan.eventTime, plan.dedupe?.time].compactMap({ $0 }) {
        if case .slot(let s, _) = e { asTime.insert(s) } else { collect(e, into: &otherwise) }
      }
      if let filter = plan.filter { collect(filter, into: &otherwise) }
      if let key = plan.dedupe?.key { collect(key, into: &otherwise) }
      for e in QueryPreparer.rowExpressions(of: plan) { collect(e, into: &otherwise) }
    }
    return asTime.subtracting(otherwise)
  }

  /// Adds every slot `e` reads to `slots`.
  static func collect(_ e: BoundExpr, into slots: inout Set<Int>) {
    // No `default:`: a new kind of expression must be looked at here before it compiles.
    switch e {
    case .literal: break
    case .slot(let s, _): slots.insert(s)
    case .path(let x, _), .unary(_, let x), .isNull(let x, _), .cast(let x, _, _),
      .extract(_, let x):
      collect(x, into: &slots)
    case .binary(_, let a, let b), .like(let a, let b, _, _, _):
      collect(a, into: &slots)
      collect(b, into: &slots)
    case .between(let a, let b, let c, _):
      collect(a, into: &slots)
      collect(b, into: &slots)
      collect(c, into: &slots)
    case .inList(let x, let list, _):
      collect(x, into: &slots)
      for y in list { collect(y, into: &slots) }
    case .caseWhen(let branches, let other):
      for b in branches {
        collect(b.condition, into: &slots)
        collect(b.result, into: &slots)
      }
      if let other { collect(other, into: &slots) }
    case .call(_, let args):
      for a in args { collect(a, into: &slots) }
    }
  }
}
