import Numerics

/// A mean-field Gaussian whose parameters are an MLP of an input: `N(μ(y), diag σ(y)²)` on R^c,
/// with `(μ, r) = MLP(y)` and `σ = softplus(r) + minimumScale`.
///
/// Localised generative flows use two: the generative net p(u | z) and the inference net q(u | x).
/// `evaluate` runs the MLP on a batch and keeps μ and σ (`b × c` blocks) for the caller, which
/// computes its own density terms and hands dL/dμ and dL/dσ back to `backward`.
public final class GaussianHead<Scalar: FlowScalar> {
    /// Dimension of the input y.
    public let inputDimension: Int
    /// Dimension c of the Gaussian.
    public let dimension: Int
    /// Floor added to the softplus scale, so σ never collapses to 0.
    public let minimumScale: Scalar
    /// `inputDimension → hidden… → 2c`: μ then r.
    public let network: MLP<Scalar>

    private let scales = ScratchBuffer<Scalar>()
    private let networkGradient = ScratchBuffer<Scalar>()
    private var output: UnsafeMutablePointer<Scalar>?
    private var rows = 0

    /// A head on inputs of dimension `input` for a Gaussian on R^c. Its MLP's output layer is drawn
    /// in ±`outputScale`/√fan-in (`perturbOutputLayer`): the default 0.1 starts every head near
    /// `N(0, (log 2 + minimumScale)² I)`; 1 is PyTorch's default bound, a head that starts as a
    /// visibly varying function of its input.
    public init(input: Int, dimension c: Int, hidden: [Int], minimumScale: Double = 1e-3, outputScale: Double = 0.1,
                generator: inout SeededGenerator) {
        precondition(c >= 1, "GaussianHead needs a dimension >= 1")
        inputDimension = input
        dimension = c
        self.minimumScale = Scalar(minimumScale)
        network = MLP(widths: [input] + hidden + [2 * c], generator: &generator)
        network.perturbOutputLayer(fraction: outputScale, generator: &generator)
    }

    /// The MLP's tensors.
    public var parameters: [Parameter<Scalar>] { network.parameters }

    /// Runs the MLP on `count` rows of `y` (which must stay unchanged until `backward`); returns
    /// μ and σ (`count × c` each), valid until the next call.
    @discardableResult
    public func evaluate(_ y: UnsafePointer<Scalar>, count b: Int)
        -> (mean: UnsafePointer<Scalar>, scale: UnsafePointer<Scalar>)
    {
        rows = b
        let out = network.forward(y, count: b)
        output = out
        let sigma = scales.reserve(b * dimension)
        for e in 0..<(b * dimension) { sigma[e] = Scalar.softplus(out[b * dimension + e]) + minimumScale }
        return (UnsafePointer(out), UnsafePointer(sigma))
    }

    /// Back-propagates dL/dμ and dL/dσ (`count × c` each) through the last `evaluate`:
    /// accumulates the MLP's gradients and writes dL/dy (`count × inputDimension`).
    public func backward(meanGradient dMean: UnsafePointer<Scalar>, scaleGradient dScale: UnsafePointer<Scalar>,
                         inputGradient dy: UnsafeMutablePointer<Scalar>) {
        let b = rows, c = dimension
        let out = output!
        let dOut = networkGradient.reserve(b * 2 * c)
        dOut.update(from: dMean, count: b * c)
        for e in 0..<(b * c) { dOut[b * c + e] = dScale[e] * Scalar.sigmoid(out[b * c + e]) }
        network.backward(outputGradient: dOut, inputGradient: dy)
    }
}
