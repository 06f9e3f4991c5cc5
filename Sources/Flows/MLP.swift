import CLinearAlgebra
import Foundation
import Numerics
import Synchronization

/// The conditioner network of a coupling layer: dense layers with Swish (`x · sigmoid(x)`)
/// between them and a linear output, evaluated on a whole batch with BLAS.
///
/// Layer l computes `A_l = X_l W_l + 1 b_lᵀ` with `W_l` stored `in_l × out_l` column-major (the
/// memory layout of PyTorch's `nn.Linear.weight`, which is `out × in` row-major), so a forward
/// pass is one product per layer on `b × width` blocks (`Dense`: in Float a register-tiled kernel
/// with the bias and Swish fused in, in Double BLAS). Swish's derivative `σ(a)(1 + a(1 − σ(a)))` is
/// kept for `backward`; all buffers belong to the network and are reused, so a training step
/// allocates nothing.
///
/// Two lanes: the forward pass and the back-propagation of dL/dA through the layers cut a batch
/// of b rows into the row blocks `[0, ⌈b/2⌉)` and `[⌈b/2⌉, b)`, each passed through the network
/// with its own products (the blocks are row ranges of the network's buffers); the
/// parameter gradients `X_lᵀ dA_l` and `1ᵀ dA_l` are then formed over all b rows, one lane taking
/// the first ⌈out_l/2⌉ columns of every layer and the other the rest, each adding into disjoint
/// parts of the gradients. When OpenBLAS may use several threads, the two lanes run at once on two
/// threads, each with single-threaded BLAS (during `FlowTrainer.train` BLAS is held at one thread
/// for the whole run): at these sizes (128 × 128 weights) that uses two cores better than
/// OpenBLAS's own threading of each small GEMM. The lanes make the same calls whether they
/// run together or one after the other, so results do not depend on the thread count.
public final class MLP<Scalar: FlowScalar> {
    /// Widths from input to output, e.g. `[2, 128, 128, 4]`.
    public let widths: [Int]
    /// `w0, b0, w1, b1, …`: weights `in × out` column-major, then biases.
    public let parameters: [Parameter<Scalar>]

    private var activations: [ScratchBuffer<Scalar>]   // output of each layer (post-Swish for hidden ones)
    private var derivatives: [ScratchBuffer<Scalar>]   // Swish' at each hidden layer
    private var gradients: [ScratchBuffer<Scalar>]     // dL/dA of each hidden layer
    private let ones = ScratchBuffer<Scalar>()
    // Per layer l, the addresses the lanes work on (see `Slot`), filled by `pinned` on the calling
    // thread so that the lanes touch no Swift arrays or class references.
    private let table: UnsafeMutablePointer<UnsafeMutablePointer<Scalar>>
    private var input: UnsafePointer<Scalar>?
    private var rows = 0
    private var hiddenLeading = 0   // leading dimension of the hidden layers' buffers (see `hiddenLeading(rows:)`)

    private enum Slot: Int, CaseIterable {
        case weight, bias, weightGradient, biasGradient, activation, derivative, gradient
    }

    /// A network with PyTorch's default `nn.Linear` initialisation (weights and biases uniform in
    /// ±1/√fan_in); with `zeroOutput` the last layer starts at zero, so the coupling it drives
    /// starts as the identity map.
    public init(widths: [Int], zeroOutput: Bool = true, generator: inout SeededGenerator) {
        precondition(widths.count >= 2 && widths.allSatisfy { $0 >= 0 } && widths.last! > 0, "MLP: bad widths \(widths)")
        self.widths = widths
        var params: [Parameter<Scalar>] = []
        for l in 0..<(widths.count - 1) {
            let fanIn = widths[l], fanOut = widths[l + 1]
            let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
            let last = l == widths.count - 2
            let scale = (last && zeroOutput) ? 0 : bound
            var w = [Scalar](repeating: 0, count: fanIn * fanOut)
            for i in w.indices { w[i] = Scalar(scale * (2 * generator.uniform() - 1)) }
            var b = [Scalar](repeating: 0, count: fanOut)
            for i in b.indices { b[i] = Scalar(scale * (2 * generator.uniform() - 1)) }
            params.append(Parameter(name: "w\(l)", value: w))
            params.append(Parameter(name: "b\(l)", value: b))
        }
        parameters = params
        activations = (0..<(widths.count - 1)).map { _ in ScratchBuffer() }
        derivatives = (0..<(widths.count - 2)).map { _ in ScratchBuffer() }
        gradients = (0..<(widths.count - 2)).map { _ in ScratchBuffer() }
        let slots = (widths.count - 1) * Slot.allCases.count
        table = .allocate(capacity: slots)
        table.initialize(repeating: ones.pointer, count: slots)
    }

    deinit { table.deallocate() }

    /// Number of dense layers.
    public var depth: Int { widths.count - 1 }

    /// The leading dimension of the hidden layers' activations, derivatives and gradients for a batch
    /// of b rows: b rounded up to 16 scalars, plus 16. With b itself (256 rows: columns 1 KiB apart in
    /// Float) the columns of a row block all fall into a quarter of the L1 cache's sets, and the
    /// products that read a 64-row block of 128 columns over and over lose it to conflict misses.
    static func hiddenLeading(rows b: Int) -> Int { (b + 15) / 16 * 16 + 16 }

    private func address(_ slot: Slot, _ layer: Int) -> UnsafeMutablePointer<Scalar> {
        table[layer * Slot.allCases.count + slot.rawValue]
    }

    /// Evaluates the network on `count` rows of `input` (`count × widths[0]`, leading dimension
    /// `count`); returns the output block (`count × widths.last`), valid until the next call.
    ///
    /// `input` must stay valid and unchanged until `backward` (the coupling layers pass their own
    /// cached copy of the batch).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: UnsafePointer<Scalar>, count b: Int) -> UnsafeMutablePointer<Scalar> {
        self.input = input
        rows = b
        hiddenLeading = Self.hiddenLeading(rows: b)
        for l in 0..<depth {
            activations[l].reserve((l < depth - 1 ? hiddenLeading : b) * widths[l + 1])
            if l < depth - 1 { derivatives[l].reserve(hiddenLeading * widths[l + 1]) }
        }
        pinned(gradients: false) {
            SecondLane.both { lane in
                let (first, count) = rowBlock(lane)
                if count > 0 { forwardBlock(first: first, count: count) }
            }
        }
        return activations[depth - 1].pointer
    }

    /// Back-propagates dL/d(output) (`count × widths.last`) through the last `forward`:
    /// accumulates the parameter gradients and writes dL/d(input) (`count × widths[0]`).
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(outputGradient: UnsafePointer<Scalar>, inputGradient: UnsafeMutablePointer<Scalar>) {
        let b = rows
        let one = ones.reserve(b)
        if one[0] != 1 || one[b - 1] != 1 { one.update(repeating: 1, count: b) }
        for l in 0..<(depth - 1) { gradients[l].reserve(hiddenLeading * widths[l + 1]) }
        pinned(gradients: true) {
            SecondLane.both { lane in
                let (first, count) = rowBlock(lane)
                if count > 0 {
                    propagateBlock(first: first, count: count, outputGradient: outputGradient, inputGradient: inputGradient)
                }
            }
            SecondLane.both { lane in parameterGradients(lane: lane, outputGradient: outputGradient) }
        }
    }

    /// The rows of lane 0 or 1: `[0, ⌈b/2⌉)` and `[⌈b/2⌉, b)`.
    private func rowBlock(_ lane: Int) -> (first: Int, count: Int) {
        let half = (rows + 1) / 2
        return lane == 0 ? (0, half) : (half, rows - half)
    }

    /// Fills `table` with the current addresses of the weights, biases, buffers and (with
    /// `gradients`) the parameter gradients, and runs `body` while they stay valid.
    private func pinned(gradients withGradients: Bool, from k: Int = 0, _ body: () -> Void) {
        if k == parameters.count {
            for l in 0..<depth {
                let base = table + l * Slot.allCases.count
                base[Slot.activation.rawValue] = activations[l].pointer
                if l < depth - 1 {
                    base[Slot.derivative.rawValue] = derivatives[l].pointer
                    base[Slot.gradient.rawValue] = gradients[l].pointer
                }
            }
            body()
            return
        }
        let p = parameters[k], base = table + (k / 2) * Slot.allCases.count
        let isWeight = k % 2 == 0
        p.value.withUnsafeBufferPointer { v in
            base[(isWeight ? Slot.weight : Slot.bias).rawValue] = UnsafeMutablePointer(mutating: v.baseAddress ?? UnsafePointer(ones.pointer))
            if !withGradients { pinned(gradients: false, from: k + 1, body); return }
            p.gradient.withUnsafeMutableBufferPointer { g in
                base[(isWeight ? Slot.weightGradient : Slot.biasGradient).rawValue] = g.baseAddress ?? ones.pointer
                pinned(gradients: true, from: k + 1, body)
            }
        }
    }

    /// The leading dimension of layer l's input (the network's input: `rows`) and output (the
    /// network's output: `rows`).
    private func leading(input l: Int) -> Int { l == 0 ? rows : hiddenLeading }
    private func leading(output l: Int) -> Int { l == depth - 1 ? rows : hiddenLeading }

    /// The forward pass of rows `first..<first + count`.
    private func forwardBlock(first: Int, count m: Int) {
        var x = input! + first
        for l in 0..<depth {
            let out = address(.activation, l) + first
            let bias = UnsafePointer(address(.bias, l))
            // Hidden layers: Swish(X W + b), keeping the derivative; output layer: X W + b.
            Dense.product(x, leading: leading(input: l), weights: address(.weight, l), transposed: false, into: out,
                          leading: leading(output: l), rows: m, columns: widths[l + 1], depth: widths[l],
                          l < depth - 1 ? .swish(bias: bias, derivative: address(.derivative, l) + first) : .bias(bias))
            x = UnsafePointer(out)
        }
    }

    /// dL/dA of every hidden layer and dL/d(input) for rows `first..<first + count`.
    private func propagateBlock(first: Int, count m: Int, outputGradient: UnsafePointer<Scalar>,
                                inputGradient: UnsafeMutablePointer<Scalar>) {
        var dA = outputGradient + first
        for l in stride(from: depth - 1, through: 0, by: -1) {
            let nIn = widths[l]
            if nIn == 0 { return }
            let dX = (l == 0 ? inputGradient : address(.gradient, l - 1)) + first
            // dX = dA Wᵀ, times Swish' of the layer below (dL/dA there), or plain for the input.
            Dense.product(dA, leading: leading(output: l), weights: address(.weight, l), transposed: true, into: dX,
                          leading: leading(input: l), rows: m, columns: nIn, depth: widths[l + 1],
                          l > 0 ? .times(address(.derivative, l - 1) + first) : .store)
            dA = UnsafePointer(dX)
        }
    }

    /// Adds lane `lane`'s columns of every layer's parameter gradients, over all rows:
    /// `dW_l[:, cols] += X_lᵀ dA_l[:, cols]`, `db_l[cols] += dA_l[:, cols]ᵀ 1`.
    private func parameterGradients(lane: Int, outputGradient: UnsafePointer<Scalar>) {
        let b = rows
        let one = UnsafePointer(ones.pointer)
        for l in 0..<depth {
            let nIn = widths[l], nOut = widths[l + 1]
            let half = (nOut + 1) / 2
            let (c0, n) = lane == 0 ? (0, half) : (half, nOut - half)
            if n == 0 { continue }
            let ldA = leading(output: l), ldX = leading(input: l)
            let dA = (l == depth - 1 ? outputGradient : UnsafePointer(address(.gradient, l))) + c0 * ldA
            if nIn > 0 {
                let x: UnsafePointer<Scalar> = l == 0 ? input! : UnsafePointer(address(.activation, l - 1))
                Scalar.gemm(CblasTrans, CblasNoTrans, Int32(nIn), Int32(n), Int32(b), 1,
                            x, Int32(ldX), dA, Int32(ldA), 1, address(.weightGradient, l) + c0 * nIn, Int32(nIn))
            }
            Scalar.gemv(CblasTrans, Int32(b), Int32(n), 1, dA, Int32(ldA), one, 1, address(.biasGradient, l) + c0)
        }
    }
}

/// The thread that runs the second lane of every `MLP` pass (and of the trainers' parameter
/// updates) while the calling thread runs the first. One long-lived thread: a training epoch of the GWAS flow makes about 1,300 passes
/// of 50–200 µs each, so waking a sleeping thread for each (tens of µs on a virtual machine)
/// would eat the gain. The thread therefore spins for up to about a millisecond after a pass,
/// which covers the gaps between the passes of a training step, before it blocks on a semaphore.
final class SecondLane: @unchecked Sendable {
    static let shared = SecondLane()

    /// Set by the trainers for the length of a run when BLAS may use several threads: BLAS is
    /// then held at one thread for the whole run (switching it per pass keeps OpenBLAS's own
    /// worker thread spinning on the second core) and every pass uses the second lane.
    nonisolated(unsafe) static var inTraining = false

    /// Runs `body` with BLAS at one thread and the MLP passes on two lanes when BLAS was allowed
    /// several threads; restores the BLAS setting afterwards.
    static func training<R>(_ body: () -> R) -> R {
        let threads = BLAS.threads
        if threads < 2 || inTraining { return body() }
        BLAS.setThreads(1)
        inTraining = true
        defer { inTraining = false; BLAS.setThreads(threads) }
        return body()
    }

    /// Runs `body(0)` and `body(1)`: at once on this thread and the lane's when BLAS may use several
    /// threads (with BLAS at one thread meanwhile) and the lane is free, else one after the other.
    static func both(_ body: (Int) -> Void) {
        if inTraining {
            if shared.run(body) { return }
        } else {
            let threads = BLAS.threads
            if threads > 1 {
                BLAS.setThreads(1)
                let ran = shared.run(body)
                BLAS.setThreads(threads)
                if ran { return }
            }
        }
        body(0)
        body(1)
    }

    /// Cuts items of the given sizes into two runs of consecutive indices of about equal total size,
    /// one per lane.
    static func halves(_ sizes: [Int]) -> [Range<Int>] {
        let total = sizes.reduce(0, +)
        var cut = 0, sum = 0
        while cut < sizes.count, 2 * (sum + sizes[cut]) <= total + sizes[cut] { sum += sizes[cut]; cut += 1 }
        return [0..<cut, cut..<sizes.count]
    }

    /// Runs `body` on both runs from `halves`, as `both` runs its lanes, or only on the first run
    /// when the second is empty (nothing for the second thread to do).
    static func over(_ halves: [Range<Int>], _ body: (Range<Int>) -> Void) {
        if halves[1].isEmpty { body(halves[0]); return }
        both { body(halves[$0]) }
    }

    private let posted = Atomic<Int>(0)      // number of jobs handed over
    private let finished = Atomic<Int>(0)    // number of jobs completed
    private let sleeping = Atomic<Bool>(false)
    private let busy = Atomic<Bool>(false)      // a caller is using the lane
    private let wake = DispatchSemaphore(value: 0)
    private var job: ((Int) -> Void)?

    private init() {
        let thread = Thread { [unowned self] in self.serve() }
        thread.start()
    }

    private func serve() {
        var done = 0
        while true {
            var spins = 0
            while posted.load(ordering: .sequentiallyConsistent) == done {
                spins += 1
                if spins < 200_000 { continue }
                sleeping.store(true, ordering: .sequentiallyConsistent)
                if posted.load(ordering: .sequentiallyConsistent) == done {
                    wake.wait()
                } else if !sleeping.exchange(false, ordering: .sequentiallyConsistent) {
                    wake.wait()   // the poster saw us asleep and signalled: consume it
                }
                spins = 0
            }
            job!(1)
            done += 1
            finished.store(done, ordering: .sequentiallyConsistent)
        }
    }

    /// Runs `body(1)` on the second thread and `body(0)` here and returns true when both are
    /// done; returns false at once, running nothing, when another thread is using the lane.
    func run(_ body: (Int) -> Void) -> Bool {
        guard busy.compareExchange(expected: false, desired: true, ordering: .sequentiallyConsistent).exchanged else {
            return false
        }
        defer { busy.store(false, ordering: .sequentiallyConsistent) }
        return withoutActuallyEscaping(body) { body in
            job = body
            let ticket = posted.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue
            if sleeping.exchange(false, ordering: .sequentiallyConsistent) { wake.signal() }
            body(0)
            var spins = 0
            while finished.load(ordering: .sequentiallyConsistent) != ticket {
                spins += 1
                if spins > 10_000 { sched_yield() }
            }
            job = nil
            return true
        }
    }
}
