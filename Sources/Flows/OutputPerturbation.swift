import Numerics

extension MLP {
    /// Re-draws the output layer's weights and biases uniformly in ±`fraction`/√fan_in (a fraction
    /// of PyTorch's default bound) instead of zero.
    ///
    /// With a zero output layer every coupling starts as the identity and every Gaussian head at
    /// the same law; when the target's coordinates are independent (two rectangles) or u carries
    /// no information yet (p(u | z) = q(u | x)), that start is a stationary point of the expected
    /// loss and training never leaves it. A small random output layer breaks the symmetry while
    /// keeping the map close to the identity.
    public func perturbOutputLayer(fraction: Double, generator: inout SeededGenerator) {
        let fanIn = widths[widths.count - 2]
        let bound = fraction / Double(max(fanIn, 1)).squareRoot()
        for p in parameters.suffix(2) {
            for i in 0..<p.count { p.value[i] = Scalar(bound * (2 * generator.uniform() - 1)) }
        }
    }
}
