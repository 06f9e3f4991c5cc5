/// A growable block of scalars owned by one layer and reused across steps.
///
/// Training calls the layers thousands of times with the same batch size; each layer keeps its
/// intermediate results here, so after the first batch no step allocates. `reserve` only
/// reallocates when a larger batch arrives (contents are then discarded).
final class ScratchBuffer<S: FlowScalar> {
    private(set) var pointer: UnsafeMutablePointer<S>
    private(set) var capacity: Int

    init(capacity: Int = 0) {
        self.capacity = capacity
        pointer = .allocate(capacity: max(1, capacity))
        pointer.initialize(repeating: 0, count: max(1, capacity))
    }

    /// Makes room for at least `count` scalars.
    @discardableResult
    func reserve(_ count: Int) -> UnsafeMutablePointer<S> {
        if count > capacity {
            pointer.deallocate()
            capacity = count
            pointer = .allocate(capacity: count)
            pointer.initialize(repeating: 0, count: count)
        }
        return pointer
    }

    deinit { pointer.deallocate() }
}
