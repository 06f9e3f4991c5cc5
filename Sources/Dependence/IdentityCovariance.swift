import Foundation
import Numerics

/// C = I, the i.i.d. baseline: log det C = 0, A = I. Its own fast path — the mini-batch
/// objective never builds a block for it.
public struct IdentityCovariance: CovarianceModel {
    public let count: Int

    /// The identity over `count` individuals.
    public init(count: Int) {
        precondition(count >= 1, "a covariance model needs at least one individual")
        self.count = count
    }

    public var kind: CovarianceKind { .identity }
    public var logDeterminant: Double { 0 }

    public func precisionProduct(rows: [Int], latent u: Matrix<Double>) -> (product: Matrix<Double>, diagonal: [Double]) {
        (u, [Double](repeating: 1, count: rows.count))
    }

    public func quadraticForm(_ u: Matrix<Double>) -> Double {
        u.storage.reduce(0) { $0 + $1 * $1 }
    }
}
