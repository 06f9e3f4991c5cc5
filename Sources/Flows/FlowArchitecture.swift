import Numerics

/// The shape of a flow: everything needed to rebuild it except the weights.
///
/// A flow is `layers` blocks, each `coupling → ActNorm (optional) → fixed permutation`, with
/// permutations drawn from the seeded generator at build time (and stored in model files).
/// Defaults: the paper's GWAS setting (method.md §5).
public struct FlowArchitecture: Sendable, Codable, Equatable {
    /// The coupling type of every block.
    public enum Coupling: String, Sendable, Codable, CaseIterable {
        /// Affine coupling, scale = sigmoid(s) + 0.5.
        case affine
        /// Rational-quadratic spline coupling with `bins` bins on [−`bound`, `bound`].
        case spline
    }

    /// Coupling type.
    public var coupling: Coupling
    /// Dimension p.
    public var dimension: Int
    /// Number of coupling blocks.
    public var layers: Int
    /// Hidden widths of each conditioner MLP.
    public var hidden: [Int]
    /// Whether each block has an ActNorm after its coupling.
    public var actNorm: Bool
    /// Spline bins K (spline couplings only).
    public var bins: Int
    /// Spline tail bound B: the splines act on [−B, B], identity outside (spline couplings only).
    public var bound: Double

    /// An architecture; defaults are the paper's (16 affine couplings, 128-128, ActNorm).
    public init(coupling: Coupling = .affine, dimension: Int, layers: Int = 16, hidden: [Int] = [128, 128],
                actNorm: Bool = true, bins: Int = 16, bound: Double = 4) {
        self.coupling = coupling
        self.dimension = dimension
        self.layers = layers
        self.hidden = hidden
        self.actNorm = actNorm
        self.bins = bins
        self.bound = bound
    }

    /// A freshly initialised flow with this shape.
    public func build<Scalar: FlowScalar>(as: Scalar.Type = Scalar.self, generator: inout SeededGenerator) -> Flow<Scalar> {
        var blocks: [any Bijection<Scalar>] = []
        for _ in 0..<layers {
            switch coupling {
            case .affine:
                blocks.append(AffineCoupling<Scalar>(dimension: dimension, hidden: hidden, generator: &generator))
            case .spline:
                blocks.append(SplineCoupling<Scalar>(dimension: dimension, bins: bins, bound: bound, hidden: hidden,
                                                     generator: &generator))
            }
            if actNorm { blocks.append(ActNorm<Scalar>(dimension: dimension)) }
            blocks.append(Permutation<Scalar>(dimension: dimension, generator: &generator))
        }
        return Flow(dimension: dimension, layers: blocks)
    }
}
