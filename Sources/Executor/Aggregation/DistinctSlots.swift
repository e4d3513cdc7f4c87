#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The open-addressing slots of a `DistinctTracker`, in one block aligned to 64 bytes.
///
/// A slot is 32 bytes, so with the block aligned no slot straddles two cache lines: a lookup
/// that finds its value in the first slot it probes touches one line. A Swift array cannot
/// promise that (its elements start 32 bytes into a 16-byte-aligned allocation, and a large
/// allocation lands 16 bytes past a page, which puts every other slot across two lines).
///
/// The block is mapped from the kernel rather than taken from malloc: its pages come zeroed
/// (empty slots) without a pass over them, and a table let go after a rehash or a sweep goes
/// back to the system at once. From malloc, tables of several megabytes freed in turn left the
/// heap fragmented: peak RSS of Q3 on 5M events went from 33 to 105 MB.
///
/// A class, for the manual allocation; `DistinctTracker` copies it before writing to one it
/// shares (`copy()`), so the tracker keeps value semantics.
final class DistinctSlots {
  /// Slots; a power of two.
  let capacity: Int
  /// `capacity` slots, all zero (empty) at first.
  let slots: UnsafeMutablePointer<DistinctTracker.Slot>
  /// Per slot, the number of its entry (in insertion order); meaningless for empty slots.
  let entries: UnsafeMutablePointer<Int32>
  /// The mapping: the slots, then the entry numbers, from a 2 MB boundary in it when large.
  private let mapping: UnsafeMutableRawPointer
  private let mappedBytes: Int

  init(capacity: Int) {
    precondition(capacity > 0 && capacity & (capacity - 1) == 0)
    self.capacity = capacity
    let slotBytes = capacity * MemoryLayout<DistinctTracker.Slot>.stride
    let bytes = slotBytes + capacity * MemoryLayout<Int32>.stride
    // A table of 2 MB or more starts on a 2 MB boundary and asks for huge pages: a probe of a
    // large table then rarely misses the TLB too, and the table faults in a few pages.
    let huge = 1 << 21
    let padding = bytes >= huge ? huge : 0
    mappedBytes = bytes + padding
    guard
      let raw = mmap(nil, mappedBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
      raw != MAP_FAILED
    else { fatalError("out of memory for a COUNT(DISTINCT) table of \(capacity) slots") }
    mapping = raw
    var start = raw
    if padding > 0 {
      start = raw + ((huge - Int(bitPattern: raw) % huge) % huge)
      #if os(Linux)
      _ = madvise(start, bytes, MADV_HUGEPAGE)
      #endif
    }
    // Zero bytes are empty slots and entry numbers 0: the mapping is already initialized.
    slots = start.bindMemory(to: DistinctTracker.Slot.self, capacity: capacity)
    entries = (start + slotBytes).bindMemory(to: Int32.self, capacity: capacity)
  }

  deinit {
    munmap(mapping, mappedBytes)
  }

  /// A separate table with the same slots.
  func copy() -> DistinctSlots {
    let other = DistinctSlots(capacity: capacity)
    other.slots.update(from: slots, count: capacity)
    other.entries.update(from: entries, count: capacity)
    return other
  }
}
