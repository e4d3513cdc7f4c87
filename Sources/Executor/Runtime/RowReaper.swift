import Dispatch

/// Frees the rows of applied pieces on a background thread, at most `limit` pieces behind.
///
/// Destroying a piece's `Value`s is a reference-count check each: work the ordered stage need
/// not do. But a reaper starved of CPU (the machine busy) must not let freed pieces pile up,
/// or peak memory would grow with the backlog: past `limit` pieces waiting, the caller frees
/// its rows itself.
final class RowReaper: @unchecked Sendable {
  static let shared = RowReaper()
  /// Pieces that may wait to be freed.
  static let limit = 2

  private let queue = DispatchQueue(label: "streamsql.release")
  private let lock = DispatchSemaphore(value: 1)
  private var pending = 0

  /// Frees `payload` on the reaper's thread, or here (when it returns) if the reaper is behind.
  func free<Payload: Sendable>(_ payload: Payload) {
    lock.wait()
    let accepted = pending < Self.limit
    if accepted { pending += 1 }
    lock.signal()
    guard accepted else { return }
    queue.async {
      withExtendedLifetime(payload) {}
      self.lock.wait()
      self.pending -= 1
      self.lock.signal()
    }
  }
}
