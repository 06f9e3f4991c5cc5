import Numerics

/// Draws U ~ MN(0, C, Σ) with row covariance C = λI + (1 − λ)G and column covariance Σ,
/// i.e. vec(U) ~ N(0, Σ ⊗ C): the latent law of method.md §2 ("fixed relatedness").
///
/// With G = Q diag(e) Qᵀ and Σ = L Lᵀ (Cholesky), U = Q diag(√(λ + (1 − λ) e)) Z Lᵀ for Z of
/// independent standard normals, so cov(vec U) = Σ ⊗ Q diag(λ + (1 − λ) e) Qᵀ = Σ ⊗ C. G is used
/// as given: rescale it to mean diagonal 1 first when rows should have unit marginal variance.
/// Eigenvalues below zero (rounding in a positive semi-definite G) are clamped to zero.
public struct MatrixNormalSampler {
    /// Eigenvalues (clamped at 0) and eigenvectors of G.
    public let eigen: SymmetricEigen<Double>

    /// A sampler for relatedness `g` (n × n, symmetric; only its upper triangle is read).
    public init(relatedness g: Matrix<Double>) throws {
        self.init(eigen: try LAPACK.symmetricEigen(g))
    }

    /// A sampler from an existing eigendecomposition of G (e.g. GEMMA's `-eigen` output).
    public init(eigen: SymmetricEigen<Double>) {
        precondition(eigen.vectors.rows == eigen.vectors.columns && eigen.vectors.columns == eigen.values.count,
                     "eigendecomposition of an n × n matrix needs n eigenvalues and n × n eigenvectors")
        var clamped = eigen
        clamped.values = eigen.values.map { max($0, 0) }
        self.eigen = clamped
    }

    /// Number of rows (individuals) of each draw.
    public var individuals: Int { eigen.values.count }

    /// One draw of U (n × p, p = Σ's order) for λ in [0, 1]; Σ must be positive definite.
    public func sample(lambda: Double, columnCovariance sigma: Matrix<Double>,
                       generator g: inout SeededGenerator) throws -> Matrix<Double>
    {
        precondition(lambda >= 0 && lambda <= 1, "λ must be in [0, 1], got \(lambda)")
        precondition(sigma.rows == sigma.columns, "Σ must be square")
        let n = individuals, p = sigma.rows
        let l = try LAPACK.cholesky(sigma)
        var z = Matrix<Double>(rows: n, columns: p)
        for t in z.storage.indices { z.storage[t] = g.normal() }
        for k in 0..<n {
            let scale = (lambda + (1 - lambda) * eigen.values[k]).squareRoot()
            for j in 0..<p { z[k, j] *= scale }
        }
        let rotated = BLAS.product(eigen.vectors, z)
        return BLAS.product(rotated, l, transB: .transposed)
    }

    /// One draw with independent unit-variance columns (Σ = I_p).
    public func sample(lambda: Double, traits p: Int, generator g: inout SeededGenerator) throws -> Matrix<Double> {
        try sample(lambda: lambda, columnCovariance: .identity(p), generator: &g)
    }
}
