import Planner

/// The running state of one COUNT, SUM or AVG (or tracked COUNT(DISTINCT)) of one group, as
/// plain numbers.
///
/// A `GroupTable` keeps these cells in one flat array, group after group, instead of an
/// `Accumulator` object per (group, aggregate): adding a row is then a switch and an add in
/// place, with no dynamic dispatch and no reference counting. Where a group needs an
/// `Accumulator` object (session, count and moving windows), `CellAccumulator` wraps one cell,
/// so answers do not depend on which form holds a group.
struct AggregateCell {
  /// Which aggregate a cell holds.
  enum Kind {
    /// COUNT(*): `integer` counts rows.
    case countStar
    /// COUNT(x): `integer` counts non-NULL values.
    case count
    /// SUM(x): `integer` while every value is an integer and the total fits, then `real`.
    case sum
    /// AVG(x): `real` sums, `integer` counts.
    case average
    /// COUNT(DISTINCT x) decided by a `DistinctTracker`: `integer`, incremented by the operator.
    case trackedCount
  }

  /// COUNT's count, SUM's integer total, AVG's count.
  var integer: Int64 = 0
  /// SUM's total once it is real, AVG's sum.
  var real: Double = 0
  /// SUM: some value was added.
  var sawValue = false
  /// SUM: the total is `real`.
  var isReal = false

  /// The cell kind for an aggregate call kept as a cell, or nil when it needs an `Accumulator`.
  /// `tracked` says the operator counts this COUNT(DISTINCT) with a `DistinctTracker`.
  static func kind(of call: AggregateCall, tracked: Bool) -> Kind? {
    if tracked { return .trackedCount }
    guard !call.distinct else { return nil }
    switch call.function {
    case .count: return call.arguments.isEmpty ? .countStar : .count
    case .sum: return .sum
    case .avg: return .average
    default: return nil
    }
  }

  /// Adds one row's argument (ignored by COUNT(*) and tracked counts); a value that is not a
  /// number given to SUM or AVG is ignored and counted in `warnings` (SPEC 6).
  @inline(__always)
  mutating func add(_ kind: Kind, _ value: Value, warnings: inout Int) {
    switch kind {
    case .countStar: integer &+= 1
    case .count: if !value.isNull { integer &+= 1 }
    case .sum:
      switch value {
      case .null: return
      case .int(let v): addInteger(v)
      case .double(let v):
        if !isReal { becomeReal() }
        real += v
        sawValue = true
      default: warnings &+= 1
      }
    case .average:
      switch value {
      case .null: return
      case .int(let v):
        real += Double(v)
        integer &+= 1
      case .double(let v):
        real += v
        integer &+= 1
      default: warnings &+= 1
      }
    case .trackedCount: return
    }
  }

  /// `add(kind, p.pointee, warnings:)` for the value at `p`, read in place when it is NULL or
  /// a number (`NumberTags`): no copy of the value, so no outlined copy and destroy per row.
  @inline(__always)
  mutating func add(
    _ kind: Kind, at p: UnsafePointer<Value>, tags: NumberTags, warnings: inout Int
  ) {
    let tag = NumberTags.tag(at: p)
    switch kind {
    case .countStar: integer &+= 1
    case .count: if tag != tags.null { integer &+= 1 }
    case .sum:
      if tag == tags.int {
        addInteger(Int64(bitPattern: NumberTags.word(at: p)))
      } else if tag == tags.double {
        if !isReal { becomeReal() }
        real += Double(bitPattern: NumberTags.word(at: p))
        sawValue = true
      } else if tag != tags.null {
        warnings &+= 1
      }
    case .average:
      if tag == tags.int {
        real += Double(Int64(bitPattern: NumberTags.word(at: p)))
        integer &+= 1
      } else if tag == tags.double {
        real += Double(bitPattern: NumberTags.word(at: p))
        integer &+= 1
      } else if tag != tags.null {
        warnings &+= 1
      }
    case .trackedCount: return
    }
  }

  /// Adds another cell of the same kind: a partial result of the same group.
  mutating func merge(_ kind: Kind, _ other: AggregateCell) {
    switch kind {
    case .countStar, .count, .trackedCount: integer &+= other.integer
    case .sum:
      guard other.sawValue else { return }
      if other.isReal {
        if !isReal { becomeReal() }
        real += other.real
        sawValue = true
      } else {
        addInteger(other.integer)
      }
    case .average:
      real += other.real
      integer &+= other.integer
    }
  }

  @inline(__always)
  private mutating func addInteger(_ v: Int64) {
    sawValue = true
    if isReal {
      real += Double(v)
      return
    }
    let (sum, overflow) = integer.addingReportingOverflow(v)
    if overflow {
      becomeReal()
      real += Double(v)
    } else {
      integer = sum
    }
  }

  private mutating func becomeReal() {
    isReal = true
    real = Double(integer)
  }

  /// The aggregate's current result.
  func result(_ kind: Kind) -> Value {
    switch kind {
    case .countStar, .count, .trackedCount: return .int(integer)
    case .sum:
      guard sawValue else { return .null }
      return isReal ? .double(real) : .int(integer)
    case .average: return integer == 0 ? .null : .double(real / Double(integer))
    }
  }
}
