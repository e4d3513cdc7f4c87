import Planner
import Testing

@testable import Executor

/// `KeyHasher` (values read in place) must give `ValueHash.key`'s hashes exactly: group tables
/// are looked up with both. `GroupTable` must still tell keys apart and find equal ones in
/// another storage.
@Suite struct KeyHasherTests {
  static let keys: [[Value]] = [
    [], [.string("US")], [.string("")], [.string("u19023")], [.string("abcdefghijklmno")],
    [.string("abcdefghijklmnop")], [.string("ü")], [.json("US")], [.null], [.int(7)],
    [.double(1.5)], [.bool(true)], [.timestamp(7)], [.interval(7)],
    [.string("US"), .int(1)], [.string("US"), .string("GB")], [.null, .string("a long key string here")],
  ]

  @Test func agreesWithValueHash() {
    let hasher = KeyHasher()
    for key in Self.keys {
      key.withUnsafeBufferPointer { key in
        #expect(hasher.key(key) == ValueHash.key(key), "\(Array(key))")
      }
    }
  }

  @Test func groupTableFindsEqualKeysInAnyStorage() {
    let layout = AggregateLayout(keyCount: 1, aggregates: [])
    let table = GroupTable(keyWidth: 1, shape: GroupStateLayout(layout: layout, tracked: []))
    var large = String()
    large.reserveCapacity(64)
    large.append("US")
    let rows: [[Value]] = [
      [.string("US")], [.string(large)], [.json("US")], [.string("GB")], [.string("US")],
    ]
    let hasher = KeyHasher()
    let groups = rows.map { row in
      row.withUnsafeBufferPointer { table.group(for: $0, hash: hasher.key($0)) }
    }
    #expect(groups == [0, 0, 1, 2, 0])
  }
}
