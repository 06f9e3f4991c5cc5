import CLinearAlgebra
import Numerics

/// The conditioner network of a coupling layer: dense layers with Swish (`x · sigmoid(x)`)
/// between them and a linear output, evaluated on a whole batch with BLAS.
///
/// Layer l computes `A_l = X_l W_l + 1 b_lᵀ` with `W_l` stored `in_l × out_l` column-major (the
/// memory layout of PyTorch's `nn.Linear.weight`, which is `out × in` row-major), so a forward
/// pass is one GEMM per layer on `b × width` blocks. Swish and its derivative
/// `σ(a)(1 + a(1 − σ(a)))` are computed in one pass and the derivative is kept for `backward`;
/// all buffers belong to the network and are reused, so a training step allocates nothing.
public final class MLP<Scalar: FlowScalar> {
    /// Widths from input to output, e.g. `[2, 128, 128, 4]`.
    public let widths: [Int]
    /// `w0, b0, w1, b1, …`: weights `in × out` column-major, then biases.
    public let parameters: [Parameter<Scalar>]

    private var activations: [ScratchBuffer<Scalar>]   // output of each layer (post-Swish for hidden ones)
    private var derivatives: [ScratchBuffer<Scalar>]   // Swish' at each hidden layer
    private var gradients: [ScratchBuffer<Scalar>]     // dL/dA of each hidden layer
    private let ones = ScratchBuffer<Scalar>()
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
        var x = input
        for l in 0..<depth {
            let nIn = widths[l], nOut = widths[l + 1]
            let out = activations[l].reserve(b * nOut)
            let hidden = l < depth - 1
            parameters[2 * l + 1].value.withUnsafeBufferPointer { bias in
                // Hidden layers: A = X W, then bias and Swish in one pass. Output layer: bias, then += X W.
                if hidden {
                    if nIn == 0 { out.update(repeating: 0, count: b * nOut) }
                } else {
                    for j in 0..<nOut { (out + j * b).update(repeating: bias[j], count: b) }
                }
                if nIn > 0 {
                    parameters[2 * l].value.withUnsafeBufferPointer { w in
                        Scalar.gemm(CblasNoTrans, CblasNoTrans, Int32(b), Int32(nOut), Int32(nIn), 1,
                                    x, Int32(b), w.baseAddress!, Int32(nIn), hidden ? 0 : 1, out, Int32(b))
                    }
                }
                if hidden {
                    Swish.apply(out, bias: bias.baseAddress!, rows: b, columns: nOut,
                                derivative: derivatives[l].reserve(b * nOut))
                }
            }
            x = UnsafePointer(out)
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
        var dA = outputGradient
        for l in stride(from: depth - 1, through: 0, by: -1) {
            let nIn = widths[l], nOut = widths[l + 1]
            let x: UnsafePointer<Scalar> = l == 0 ? input! : UnsafePointer(activations[l - 1].pointer)
            let w = parameters[2 * l], bias = parameters[2 * l + 1]
            if nIn > 0 {
                w.gradient.withUnsafeMutableBufferPointer { dw in
                    Scalar.gemm(CblasTrans, CblasNoTrans, Int32(nIn), Int32(nOut), Int32(b), 1,
                                x, Int32(b), dA, Int32(b), 1, dw.baseAddress!, Int32(nIn))
                }
            }
            bias.gradient.withUnsafeMutableBufferPointer { db in
                Scalar.gemv(CblasTrans, Int32(b), Int32(nOut), 1, dA, Int32(b), one, 1, db.baseAddress!)
            }
            if nIn == 0 { break }
            let dX = l == 0 ? inputGradient : gradients[l - 1].reserve(b * nIn)
            w.value.withUnsafeBufferPointer { wv in
                Scalar.gemm(CblasNoTrans, CblasTrans, Int32(b), Int32(nIn), Int32(nOut), 1,
                            dA, Int32(b), wv.baseAddress!, Int32(nIn), 0, dX, Int32(b))
            }
            if l > 0 {
                let d = derivatives[l - 1].pointer
                for i in 0..<(b * nIn) { dX[i] *= d[i] }
                dA = UnsafePointer(dX)
            }
        }
    }
}
