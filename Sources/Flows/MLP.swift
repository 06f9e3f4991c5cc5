import CLinearAlgebra
import Foundation
import Numerics
import Synchronization

/// The conditioner network of a coupling layer: dense layers with Swish (`x · sigmoid(x)`)
/// between them and a linear output, evaluated on a whole batch with BLAS.
///
/// Layer l computes `A_l = X_l W_l + 1 b_lᵀ` with `W_l` stored `in_l × out_l` column-major (the
/// memory layout of PyTorch's `nn.Linear.weight`, which is `out × in` row-major), so a forward
/// pass is one GEMM per layer on `b × width` blocks. Swish and its derivative
/// `σ(a)(1 + a(1 − σ(a)))` are computed in one pass and the derivative is kept for `backward`;
/// all buffers belong to the network and are reused, so a training step allocates nothing.
///
/// Two lanes: a batch of b ≥ 2 rows is always cut into the row blocks `[0, ⌈b/2⌉)` and
/// `[⌈b/2⌉, b)`, each passed through the network with its own GEMMs (leading dimension b, so the
/// blocks share the network's buffers). When OpenBLAS may use several threads, the two blocks
/// run at once on two threads, each with single-threaded BLAS (during `FlowTrainer.train` BLAS is
/// held at one thread for the whole run): at these sizes (128 × 128 weights) that uses two cores
/// better than OpenBLAS's own threading of each small GEMM.
/// The weight gradient is `(G + ∂_block0) + ∂_block1` in that order whether the blocks ran
/// together or one after the other, so results do not depend on the thread count.
public final class MLP<Scalar: FlowScalar> {
    /// Widths from input to output, e.g. `[2, 128, 128, 4]`.
    public let widths: [Int]
    /// `w0, b0, w1, b1, …`: weights `in × out` column-major, then biases.
    public let parameters: [Parameter<Scalar>]

    private var activations: [ScratchBuffer<Scalar>]   // output of each layer (post-Swish for hidden ones)
    private var derivatives: [ScratchBuffer<Scalar>]   // Swish' at each hidden layer
    private var gradients: [ScratchBuffer<Scalar>]     // dL/dA of each hidden layer
    private let ones = ScratchBuffer<Scalar>()
    private let secondLaneGradient: ScratchBuffer<Scalar>   // the second block's parameter gradients, flat
    private let offsets: [Int]                              // of each parameter in secondLaneGradient
    private var input: UnsafePointer<Scalar>?
    private var rows = 0

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
        var start = 0, offsets: [Int] = []
        for p in params { offsets.append(start); start += p.count }
        self.offsets = offsets
        secondLaneGradient = ScratchBuffer(capacity: start)
    }

    /// Number of dense layers.
    public var depth: Int { widths.count - 1 }

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
        for l in 0..<depth {
            activations[l].reserve(b * widths[l + 1])
            if l < depth - 1 { derivatives[l].reserve(b * widths[l + 1]) }
        }
        inLanes(rows: b) { _, first, count in forwardBlock(first: first, count: count) }
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
        for l in 0..<(depth - 1) { gradients[l].reserve(b * widths[l + 1]) }
        let lanes = inLanes(rows: b) { lane, first, count in
            backwardBlock(first: first, count: count, outputGradient: outputGradient, inputGradient: inputGradient,
                          into: lane == 0 ? nil : secondLaneGradient.pointer)
        }
        if lanes == 2 {
            let second = secondLaneGradient.pointer
            for (k, p) in parameters.enumerated() {
                let part = second + offsets[k]
                p.gradient.withUnsafeMutableBufferPointer { g in
                    for i in g.indices { g[i] += part[i] }
                }
            }
        }
    }

    /// Runs `body(lane, firstRow, rowCount)` on the two row blocks of a batch (one block when
    /// b < 2), concurrently with single-threaded BLAS when OpenBLAS may use several threads;
    /// returns the number of blocks.
    @discardableResult
    private func inLanes(rows b: Int, _ body: (Int, Int, Int) -> Void) -> Int {
        if b < 2 { body(0, 0, b); return 1 }
        let half = (b + 1) / 2
        let threads = BLAS.threads
        func block(_ lane: Int) { body(lane, lane == 0 ? 0 : half, lane == 0 ? half : b - half) }
        if SecondLane.inTraining {
            if SecondLane.shared.run(block) { return 2 }
        } else if threads > 1 {
            BLAS.setThreads(1)
            let ran = SecondLane.shared.run(block)
            BLAS.setThreads(threads)
            if ran { return 2 }
        }
        block(0)
        block(1)
        return 2
    }

    /// The forward pass of rows `first..<first + count` (leading dimension `rows`).
    private func forwardBlock(first: Int, count m: Int) {
        let b = rows
        var x = input! + first
        for l in 0..<depth {
            let nIn = widths[l], nOut = widths[l + 1]
            let out = activations[l].pointer + first
            let hidden = l < depth - 1
            parameters[2 * l + 1].value.withUnsafeBufferPointer { bias in
                // Hidden layers: A = X W, then bias and Swish in one pass. Output layer: bias, then += X W.
                if hidden {
                    if nIn == 0 { for j in 0..<nOut { (out + j * b).update(repeating: 0, count: m) } }
                } else {
                    for j in 0..<nOut { (out + j * b).update(repeating: bias[j], count: m) }
                }
                if nIn > 0 {
                    parameters[2 * l].value.withUnsafeBufferPointer { w in
                        Scalar.gemm(CblasNoTrans, CblasNoTrans, Int32(m), Int32(nOut), Int32(nIn), 1,
                                    x, Int32(b), w.baseAddress!, Int32(nIn), hidden ? 0 : 1, out, Int32(b))
                    }
                }
                if hidden {
                    Swish.apply(out, bias: bias.baseAddress!, rows: m, columns: nOut, leading: b,
                                derivative: derivatives[l].pointer + first)
                }
            }
            x = UnsafePointer(out)
        }
    }

    /// The backward pass of rows `first..<first + count`: parameter gradients are added to the
    /// parameters' own (`into == nil`) or written to `into` at `offsets` (the second block).
    private func backwardBlock(first: Int, count m: Int, outputGradient: UnsafePointer<Scalar>,
                               inputGradient: UnsafeMutablePointer<Scalar>, into: UnsafeMutablePointer<Scalar>?) {
        let b = rows
        let one = UnsafePointer(ones.pointer)
        let beta: Scalar = into == nil ? 1 : 0
        var dA = outputGradient + first
        for l in stride(from: depth - 1, through: 0, by: -1) {
            let nIn = widths[l], nOut = widths[l + 1]
            let x: UnsafePointer<Scalar> = (l == 0 ? input! : UnsafePointer(activations[l - 1].pointer)) + first
            let w = parameters[2 * l], bias = parameters[2 * l + 1]
            if nIn > 0 {
                accumulate(w, at: offsets[2 * l], into: into) { dw in
                    Scalar.gemm(CblasTrans, CblasNoTrans, Int32(nIn), Int32(nOut), Int32(m), 1,
                                x, Int32(b), dA, Int32(b), beta, dw, Int32(nIn))
                }
            }
            accumulate(bias, at: offsets[2 * l + 1], into: into) { db in
                Scalar.gemv(CblasTrans, Int32(m), Int32(nOut), 1, dA, Int32(b), one, beta, db)
            }
            if nIn == 0 { break }
            let dX = (l == 0 ? inputGradient : gradients[l - 1].pointer) + first
            w.value.withUnsafeBufferPointer { wv in
                Scalar.gemm(CblasNoTrans, CblasTrans, Int32(m), Int32(nIn), Int32(nOut), 1,
                            dA, Int32(b), wv.baseAddress!, Int32(nIn), 0, dX, Int32(b))
            }
            if l > 0 {
                let d = derivatives[l - 1].pointer + first
                for j in 0..<nIn {
                    let column = dX + j * b, dj = d + j * b
                    for i in 0..<m { column[i] *= dj[i] }
                }
                dA = UnsafePointer(dX)
            }
        }
    }

    /// Hands `body` where a block's gradient of `parameter` goes: the parameter's own gradient
    /// (`into == nil`), or its slot in `into`.
    private func accumulate(_ parameter: Parameter<Scalar>, at offset: Int, into: UnsafeMutablePointer<Scalar>?,
                            _ body: (UnsafeMutablePointer<Scalar>) -> Void) {
        if let into { body(into + offset); return }
        parameter.gradient.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }
}

/// The thread that runs the second row block of every `MLP` pass while the calling thread runs
/// the first. One long-lived thread: a training epoch of the GWAS flow makes about 1,300 passes
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
