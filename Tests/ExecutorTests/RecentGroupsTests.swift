import Testing

@testable import Executor

/// `RecentGroups` may forget (a slot is overwritten) but never answers with another key's or
/// another window's group.
@Suite struct RecentGroupsTests {
  @Test func answersOnlyWhatWasRememberedForTheSameWindowAndKey() {
    let cache = RecentGroups()
    defer { cache.deallocate() }
    var model: [String: Int] = [:]
    var rng = SystemRandomNumberGenerator()
    for step in 0..<20_000 {
      let window = Int64.random(in: -3...3, using: &rng)
      let key = (UInt64.random(in: 0..<40, using: &rng), UInt64(0xE1) << 56)
      let name = "\(window)/\(key.0)"
      if let g = cache.group(window: window, key: key) {
        #expect(model[name] == g, "step \(step)")
      }
      if Bool.random(using: &rng) {
        cache.remember(window: window, key: key, group: step)
        model[name] = step
      }
    }
  }
}
