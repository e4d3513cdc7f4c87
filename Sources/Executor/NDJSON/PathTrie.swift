import Planner

/// The requested field paths merged into a prefix tree, laid out flat for the scanner.
///
/// `device.os` and `device.version` share the `device` node, so a line is walked once whatever
/// the number of paths. Node 0 is the root (the whole line). Each node lists the output slots
/// whose path ends there, its key children, its index children and, for resetting on duplicate
/// keys, the output slots of every node below it.
///
/// The tables live in manually allocated memory so that the scanner's inner loop reads them
/// without reference counting or bounds checks. The trie is immutable after `init`.
final class PathTrie: @unchecked Sendable {
  struct Node {
    var outputStart: Int32 = 0, outputCount: Int32 = 0
    var keyStart: Int32 = 0, keyCount: Int32 = 0
    var indexStart: Int32 = 0, indexCount: Int32 = 0
    var resetStart: Int32 = 0, resetCount: Int32 = 0
  }

  struct KeyEdge {
    var offset: Int32
    var length: Int32
    var child: Int32
  }

  struct IndexEdge {
    var index: Int
    var child: Int32
  }

  let nodes: UnsafeMutableBufferPointer<Node>
  let outputs: UnsafeMutableBufferPointer<Int32>
  let resets: UnsafeMutableBufferPointer<Int32>
  let keyEdges: UnsafeMutableBufferPointer<KeyEdge>
  let indexEdges: UnsafeMutableBufferPointer<IndexEdge>
  let keyBytes: UnsafeMutableBufferPointer<UInt8>

  init(paths: [FieldPath]) {
    // Build with ordinary arrays first, then flatten.
    var outs: [[Int32]] = [[]]
    var keyKids: [[(key: [UInt8], child: Int32)]] = [[]]
    var indexKids: [[(index: Int, child: Int32)]] = [[]]
    func newNode() -> Int {
      outs.append([])
      keyKids.append([])
      indexKids.append([])
      return outs.count - 1
    }
    for (slot, path) in paths.enumerated() {
      var node = 0
      for step in path {
        switch step {
        case .key(let k):
          let bytes = Array(k.utf8)
          if let edge = keyKids[node].first(where: { $0.key == bytes }) {
            node = Int(edge.child)
          } else {
            let child = newNode()
            keyKids[node].append((bytes, Int32(child)))
            node = child
          }
        case .index(let i):
          if let edge = indexKids[node].first(where: { $0.index == i }) {
            node = Int(edge.child)
          } else {
            let child = newNode()
            indexKids[node].append((i, Int32(child)))
            node = child
          }
        }
      }
      outs[node].append(Int32(slot))
    }

    let n = outs.count
    // Descendants' outputs, children before parents (children always have larger numbers).
    var below = [[Int32]](repeating: [], count: n)
    for node in stride(from: n - 1, through: 0, by: -1) {
      for edge in keyKids[node] { below[node] += outs[Int(edge.child)] + below[Int(edge.child)] }
      for edge in indexKids[node] { below[node] += outs[Int(edge.child)] + below[Int(edge.child)] }
    }

    var flatNodes = [Node](repeating: Node(), count: n)
    var flatOuts: [Int32] = []
    var flatResets: [Int32] = []
    var flatBytes: [UInt8] = []
    var flatKeys: [KeyEdge] = []
    var flatIndexes: [IndexEdge] = []
    for node in 0..<n {
      flatNodes[node].outputStart = Int32(flatOuts.count)
      flatNodes[node].outputCount = Int32(outs[node].count)
      flatOuts += outs[node]
      flatNodes[node].resetStart = Int32(flatResets.count)
      flatNodes[node].resetCount = Int32(below[node].count)
      flatResets += below[node]
      flatNodes[node].keyStart = Int32(flatKeys.count)
      flatNodes[node].keyCount = Int32(keyKids[node].count)
      for edge in keyKids[node] {
        flatKeys.append(
          KeyEdge(offset: Int32(flatBytes.count), length: Int32(edge.key.count), child: edge.child))
        flatBytes += edge.key
      }
      flatNodes[node].indexStart = Int32(flatIndexes.count)
      flatNodes[node].indexCount = Int32(indexKids[node].count)
      for edge in indexKids[node] {
        flatIndexes.append(IndexEdge(index: edge.index, child: edge.child))
      }
    }
    nodes = Self.copy(flatNodes)
    outputs = Self.copy(flatOuts)
    resets = Self.copy(flatResets)
    keyEdges = Self.copy(flatKeys)
    indexEdges = Self.copy(flatIndexes)
    keyBytes = Self.copy(flatBytes)
  }

  deinit {
    nodes.deallocate()
    outputs.deallocate()
    resets.deallocate()
    keyEdges.deallocate()
    indexEdges.deallocate()
    keyBytes.deallocate()
  }

  private static func copy<T>(_ array: [T]) -> UnsafeMutableBufferPointer<T> {
    // At least one element so that baseAddress is never nil.
    let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(array.count, 1))
    _ = buffer.initialize(from: array)
    return UnsafeMutableBufferPointer(rebasing: buffer[0..<array.count])
  }

  /// The child of `node` reached by the key in `bytes[start..<end]` (raw, unescaped), or -1.
  @inline(__always)
  func child(_ node: Int32, key bytes: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int32 {
    let n = nodes[Int(node)]
    let length = end &- start
    var e = Int(n.keyStart)
    let last = e &+ Int(n.keyCount)
    let base = keyBytes.baseAddress!
    while e < last {
      let edge = keyEdges[e]
      if Int(edge.length) == length {
        let key = base + Int(edge.offset)
        var k = 0
        while k < length && key[k] == bytes[start &+ k] { k &+= 1 }
        if k == length { return edge.child }
      }
      e &+= 1
    }
    return -1
  }

  /// The child of `node` reached by array index `index`, or -1.
  @inline(__always)
  func child(_ node: Int32, index: Int) -> Int32 {
    let n = nodes[Int(node)]
    var e = Int(n.indexStart)
    let last = e &+ Int(n.indexCount)
    while e < last {
      if indexEdges[e].index == index { return indexEdges[e].child }
      e &+= 1
    }
    return -1
  }
}
