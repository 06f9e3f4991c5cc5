/// Swish, `a · σ(a)`, applied in place together with its derivative `σ(a)(1 + a(1 − σ(a)))`.
enum Swish {
    /// Replaces `values[i]` by swish(values[i]) and writes the derivative at the old value.
    @inlinable
    static func apply<S: FlowScalar>(_ values: UnsafeMutablePointer<S>, derivative: UnsafeMutablePointer<S>, count: Int) {
        for i in 0..<count {
            let a = values[i]
            let s = S.sigmoid(a)
            values[i] = a * s
            derivative[i] = s * (1 + a * (1 - s))
        }
    }
}
