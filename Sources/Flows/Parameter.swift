/// One trainable tensor of a layer (a weight matrix, a bias, an ActNorm shift), flattened.
///
/// Layers and optimizers share the instance: the layer reads `value` and accumulates into
/// `gradient` in `backward`; the optimizer reads `gradient` and updates `value`.
/// `decays` marks the tensors that coupled L2 weight decay applies to.
public final class Parameter<Scalar: FlowScalar> {
    /// A name unique within its layer ("w0", "b0", "shift", …); used in model files.
    public let name: String
    /// The values, flattened (matrices column-major).
    public var value: [Scalar]
    /// dLoss/dvalue, accumulated by `backward` since the last `zeroGradient()`.
    public var gradient: [Scalar]
    /// Whether weight decay applies to this tensor.
    public var decays: Bool

    /// A parameter holding `value`, with a zero gradient.
    public init(name: String, value: [Scalar], decays: Bool = true) {
        self.name = name
        self.value = value
        self.gradient = [Scalar](repeating: 0, count: value.count)
        self.decays = decays
    }

    /// Number of scalars.
    public var count: Int { value.count }

    /// Sets the gradient to zero without reallocating.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func zeroGradient() {
        gradient.withUnsafeMutableBufferPointer { g in
            for i in g.indices { g[i] = 0 }
        }
    }
}
