import Flows
import Numerics

extension Bijection {
    /// `U = f(X)` and the per-row log|det J_f| in chunks of `batchSize` rows: every layer caches its
    /// input and activations for `backward`, so one full-size pass over n = 100,000 rows would hold
    /// gigabytes of caches; chunks keep them at `batchSize` rows.
    public func forwardInBatches(_ x: Matrix<Scalar>, batchSize: Int = 4096) -> (latent: Matrix<Scalar>, logDet: [Scalar]) {
        if x.rows <= batchSize { return forward(x) }
        var latent = Matrix<Scalar>(rows: x.rows, columns: x.columns)
        var logDet = [Scalar](repeating: 0, count: x.rows)
        var start = 0
        while start < x.rows {
            let b = min(batchSize, x.rows - start)
            let (u, l) = forward(x.selectingRows(Array(start..<(start + b))))
            for j in 0..<x.columns { for i in 0..<b { latent[start + i, j] = u[i, j] } }
            for i in 0..<b { logDet[start + i] = l[i] }
            start += b
        }
        return (latent, logDet)
    }
}
