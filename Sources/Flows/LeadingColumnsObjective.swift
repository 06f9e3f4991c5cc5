import Foundation
import Numerics

/// A base law that is `inner` on the first `columns` latent columns and the i.i.d. standard normal
/// on the others: the dependent-data objective of a marginalizing flow, whose base latent has
/// D + B columns but only D carry the data.
///
/// The auxiliary noise ε of a marginalizing flow is drawn i.i.d. across individuals by
/// construction (and the importance-sampling proposal is N(0, I) per individual), so the model
/// gives the covariance C between individuals to D latent columns and leaves the B others
/// independent; the flow learns which directions of (x, ε) go where. Fitting one C to all D + B
/// columns instead pulls λ̂ towards 1, as the columns fed by ε look independent. The loss is the
/// sum of the two parts, so a mini-batch estimate stays unbiased whenever `inner`'s is.
public final class LeadingColumnsObjective<Inner: LatentObjective>: LatentObjective {
    public typealias Scalar = Inner.Scalar
    /// The law of the leading columns.
    public let inner: Inner
    /// Number of leading columns under `inner`.
    public let columns: Int

    /// `inner` on the first `columns` columns, N(0, 1) i.i.d. on the rest.
    public init(inner: Inner, columns: Int) {
        precondition(columns >= 1, "LeadingColumnsObjective needs at least one leading column")
        self.inner = inner
        self.columns = columns
    }

    public var parameters: [Parameter<Scalar>] { inner.parameters }

    public func evaluate(latent: Matrix<Scalar>, rows: [Int], gradient: inout Matrix<Scalar>) -> Double {
        let b = latent.rows, k = columns
        precondition(latent.columns >= k, "LeadingColumnsObjective: \(latent.columns) latent columns, \(k) leading")
        // Column-major: the leading columns are the first b·k entries.
        let leading = Matrix<Scalar>(rows: b, columns: k, storage: Array(latent.storage[0..<(b * k)]))
        var leadingGradient = Matrix<Scalar>(rows: b, columns: k)
        var loss = inner.evaluate(latent: leading, rows: rows, gradient: &leadingGradient)
        for e in 0..<(b * k) { gradient.storage[e] = leadingGradient.storage[e] }
        let scale = Scalar(1 / Double(b))
        var sum = 0.0
        for e in (b * k)..<latent.storage.count {
            let v = latent.storage[e]
            sum += Double(v * v)
            gradient.storage[e] = v * scale
        }
        loss += 0.5 * sum / Double(b) + 0.5 * Double(latent.columns - k) * Foundation.log(2 * Double.pi)
        return loss
    }
}
