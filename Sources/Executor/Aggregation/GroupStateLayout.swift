import Planner

/// Where each aggregate of a group lives in a `GroupTable`: COUNT, SUM, AVG and tracked
/// COUNT(DISTINCT) as an `AggregateCell` in the table's flat array, every other aggregate as an
/// `Accumulator` object. Fixed per operator; tables of all its windows share it.
struct GroupStateLayout {
  /// Per aggregate (in the query's order): its cell or its object, by index within the group.
  enum Place {
    case cell(Int, AggregateCell.Kind)
    case object(Int)
  }

  let places: [Place]
  /// Cells per group.
  let cellCount: Int
  /// The cells a row adds to (all but tracked counts), with the slot of their argument in a
  /// row (-1 for COUNT(*)).
  let addedCells: [(cell: Int, kind: AggregateCell.Kind, slot: Int)]
  /// Objects per group, and where each one's arguments sit in a row.
  let objectArguments: [(offset: Int, count: Int)]
  /// Fresh objects for a new group (empty when every aggregate is a cell).
  let makeObjects: () -> [Accumulator]

  /// `tracked` lists the aggregates a `DistinctTracker` counts.
  init(layout: AggregateLayout, tracked: Set<Int>) {
    var places: [Place] = []
    var added: [(Int, AggregateCell.Kind, Int)] = []
    var objectCalls: [AggregateCall] = []
    var objectArguments: [(Int, Int)] = []
    var cells = 0
    for (a, call) in layout.aggregates.enumerated() {
      if let kind = AggregateCell.kind(of: call, tracked: tracked.contains(a)) {
        places.append(.cell(cells, kind))
        if kind != .trackedCount {
          added.append((cells, kind, call.arguments.isEmpty ? -1 : layout.argumentOffsets[a]))
        }
        cells += 1
      } else {
        places.append(.object(objectCalls.count))
        objectCalls.append(call)
        objectArguments.append((layout.argumentOffsets[a], call.arguments.count))
      }
    }
    self.places = places
    cellCount = cells
    addedCells = added
    self.objectArguments = objectArguments
    makeObjects = { objectCalls.map { $0.makeAccumulator() } }
  }

  /// The cell index of aggregate `a` (which must be a cell) within its group.
  func cell(of a: Int) -> Int {
    guard case .cell(let c, _) = places[a] else { preconditionFailure("aggregate \(a) is no cell") }
    return c
  }
}
