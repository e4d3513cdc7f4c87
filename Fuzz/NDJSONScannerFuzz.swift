// libFuzzer target: the NDJSON scanner.
//
// The input is a byte stream. It is framed twice, whole and in chunks whose sizes come from the
// input's first byte (through `InputChunker` then `LineReader`, as a run does), and every line is
// validated and extracted by a `FieldExtractor` over a few fixed paths, once by the full walk and
// once by the fast path a scan takes (warm caches), which must agree. Both framings must give
// the same lines and the same values; a difference, a crash or a hang is a finding.
import Planner

@testable import Executor

/// Paths that cover the trie's shapes: a plain key, a nested key, an index, a shared prefix, a
/// repeated path and the whole line.
let scannerPaths: [FieldPath] = [
  [.key("ts")], [.key("user_id")], [.key("device"), .key("os")], [.key("device"), .key("version")],
  [.key("tags"), .index(0)], [.key("tags"), .index(2), .key("k")], [.key("a b")], [.key("ts")], [],
]
/// A small line limit, so that over-long lines are exercised without megabytes of input.
let scannerMaxLine = 256

/// One framed line: its values (or its error), or an over-long marker.
enum ScannedLine: Equatable {
  case row([Value])
  case bad(String)
  case overLong(Int)
}

func scan(chunks: [ArraySlice<UInt8>], extractor: FieldExtractor) -> [ScannedLine] {
  var chunker = InputChunker(maxLineBytes: scannerMaxLine)
  var pieces: [InputChunker.Piece] = []
  let pool = PieceBufferPool(usualCapacity: 4096)
  for chunk in chunks { chunk.withUnsafeBytes { pieces += chunker.push($0, pool: pool) } }
  pieces += chunker.finish()
  var out: [ScannedLine] = []
  for piece in pieces {
    switch piece {
    case .overLong(let n): out.append(.overLong(n))
    case .lines(let bytes):
      var reader = LineReader(maxLineBytes: scannerMaxLine, skipsByteOrderMark: false)
      let handle: (LineReader.Line, Int) -> Void = { line, _ in
        switch line {
        case .overLong(let n): out.append(.overLong(n))
        case .line(let text):
          let walked = extractor.extract(text)
          let fast = compactScan(text)
          precondition(fast == walked, "the fast path disagrees with the walk: \(fast) vs \(walked)")
          switch walked {
          case .success(let row): out.append(.row(row))
          case .failure(let e):
            precondition(e.offset >= 0 && e.offset <= text.count, "error offset \(e.offset) outside the line")
            out.append(.bad(e.message))
          }
        }
      }
      reader.feed(bytes.bytes, handle)
      bytes.release()
      reader.finish(handle)
    }
  }
  return out
}

/// The same stream fed to one `LineReader` in `chunks`: the lines it frames.
func frame(chunks: [ArraySlice<UInt8>]) -> [[UInt8]] {
  var reader = LineReader(maxLineBytes: scannerMaxLine)
  var lines: [[UInt8]] = []
  let handle: (LineReader.Line, Int) -> Void = { line, _ in
    if case .line(let text) = line { lines.append(Array(text)) } else { lines.append([0xFF, 0xFF]) }
  }
  for chunk in chunks { chunk.withUnsafeBytes { reader.feed($0, handle) } }
  reader.finish(handle)
  return lines
}

nonisolated(unsafe) let scannerExtractor = FieldExtractor(paths: scannerPaths, maxDepth: 64)
/// The same paths read through `extract(_:into:)`, the scan's fast path (`walkCompact`), whose
/// caches stay warm from input to input.
nonisolated(unsafe) let compactExtractor = FieldExtractor(paths: scannerPaths, maxDepth: 64)

/// `text` through the fast path: the row, or the error.
func compactScan(_ text: UnsafeRawBufferPointer) -> Result<[Value], ScanError> {
  var row = [Value](repeating: .null, count: scannerPaths.count)
  let error = row.withUnsafeMutableBufferPointer { compactExtractor.extract(text, into: $0.baseAddress!) }
  if let error { return .failure(error) }
  return .success(row)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  guard size > 0 else { return 0 }
  let step = Int(data[0] % 17) + 1
  let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
  let whole = [bytes[...]]
  var split: [ArraySlice<UInt8>] = []
  var i = 0
  while i < bytes.count {
    split.append(bytes[i..<min(bytes.count, i + step)])
    i += step
  }
  let a = scan(chunks: whole, extractor: scannerExtractor)
  let b = scan(chunks: split, extractor: scannerExtractor)
  precondition(a == b, "chunking changed the scan: \(a) vs \(b)")
  precondition(frame(chunks: whole) == frame(chunks: split), "chunking changed LineReader's lines")
  return 0
}
