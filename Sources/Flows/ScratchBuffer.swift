/// A growable block of scalars owned by one layer and reused across steps.
///
/// Training calls the layers thousands of times with the same batch size; each layer keeps its
/// intermediate results here, so after the first batch no step allocates. `reserve` only
/// reallocates when a larger batch arrives (contents are then discarded). Blocks start on a
/// 64-byte cache line, so the two row blocks `MLP` runs on two threads (each half of a column of
/// 256 scalars) never share a line.
final class ScratchBuffer<S: FlowScalar> {
    private(set) var pointer: UnsafeMutablePointer<S>
    private(set) var capacity: Int

    init(capacity: Int = 0) {
        self.capacity = capacity
        pointer = Self.allocate(max(1, capacity))
    }

    /// Makes room for at least `count` scalars.
    @discardableResult
    func reserve(_ count: Int) -> UnsafeMutablePointer<S> {
        if count > capacity {
            pointer.deallocate()
            capacity = count
            pointer = Self.allocate(count)
        }
        return pointer
    }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<S> {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<S>.stride, alignment: 64)
        return raw.initializeMemory(as: S.self, repeating: 0, count: count)
    }

    deinit { pointer.deallocate() }
}
