import Foundation
import Numerics
import Relatedness

/// A relatedness matrix G in spectral form, `G = Q diag(e) Qᵀ`, rescaled to mean diagonal 1.
///
/// Q is n × r with orthonormal columns, stored transposed (`transposedVectors`, r × n) so that an
/// individual's r coordinates are contiguous: a mini-batch reads b whole columns of Qᵀ instead of
/// b scattered entries of each of Q's r columns (at n = 10,000 the scattered reads cost seconds
/// per epoch). For a full eigendecomposition r = n; for a low-rank factor `G = W Wᵀ` (W n × k)
/// the thin SVD gives r ≤ k and the other n − r eigenvalues are 0, so nothing n × n is stored. Both covariance kinds built on G (`RelatednessCovariance`) and the
/// λ stage read G only through this value; one spectrum is shared by every λ of a grid or of
/// the alternating rounds.
///
/// Rescaling (method.md §2): a centred GRM has mean diagonal near 2p(1 − p), not 1, but the
/// model needs unit marginal variance of each latent row, so G is divided by its mean diagonal
/// `tr(G)/n`; the factor is kept in `scale` for the log.
public struct RelatednessSpectrum {
    /// Number of individuals n.
    public let count: Int
    /// Eigenvalues of the rescaled G belonging to the columns of `vectors` (each ≥ 0).
    public let values: [Double]
    /// Qᵀ (r × n): row k is the eigenvector of `values[k]`, column i individual i's coordinates.
    public let transposedVectors: Matrix<Double>
    /// The mean diagonal of G before rescaling (G was divided by it).
    public let scale: Double
    /// Eigenvalues below `GRMEigen.zeroThreshold` (tiny negative ones included) that were set to 0.
    public let clampedCount: Int

    /// Whether Q is square (a full eigendecomposition) rather than a thin factor.
    public var isComplete: Bool { transposedVectors.rows == count }

    /// Number of stored eigenpairs r.
    public var rank: Int { transposedVectors.rows }

    /// Decomposes a dense n × n relatedness matrix (no double centring: G is used as given).
    public init(grm: Matrix<Double>) throws {
        precondition(grm.rows == grm.columns && grm.rows > 0, "a relatedness matrix is square and non-empty")
        try self.init(eigen: GRMEigen.decompose(grm, centering: false))
    }

    /// Reuses an eigendecomposition (e.g. a `gwasflow eigen` output); eigenvalues below
    /// `GRMEigen.zeroThreshold` are clamped to 0 and counted. Q is transposed in place when the
    /// caller hands over the only reference to it (no second n × n copy).
    public init(eigen: consuming GRMEigendecomposition) {
        self.init(transposed: TransposedGRMEigendecomposition(consume eigen))
    }

    /// Reuses an eigendecomposition read with the eigenvectors as rows
    /// (`GEMMAEigenFiles.readTransposed`): Qᵀ is shared, not copied.
    public init(transposed eigen: TransposedGRMEigendecomposition) {
        let n = eigen.count
        precondition(n > 0, "an eigendecomposition of at least one individual")
        var clamped = 0
        let raw = eigen.values.map { v -> Double in
            if v < GRMEigen.zeroThreshold { clamped += 1; return 0 }
            return v
        }
        let meanDiagonal = raw.reduce(0, +) / Double(n)
        precondition(meanDiagonal > 0, "relatedness matrix with zero trace")
        count = n
        values = raw.map { $0 / meanDiagonal }
        transposedVectors = eigen.transposedVectors
        scale = meanDiagonal
        clampedCount = max(clamped, eigen.zeroedCount)
    }

    /// The thin SVD of a low-rank factor, `G = W Wᵀ` with W n × k: from the k × k eigenproblem of
    /// WᵀW = V S² Vᵀ, `Q = W V S⁻¹` (O(n k²); directions with s² below 1e-10 relative to the largest
    /// are dropped into the null space).
    public init(factor w: Matrix<Double>) throws {
        let n = w.rows, k = w.columns
        precondition(n > 0 && k > 0, "a non-empty factor")
        let squares = w.storage.reduce(0) { $0 + $1 * $1 }
        let meanDiagonal = squares / Double(n)
        precondition(meanDiagonal > 0, "relatedness factor of zeros")
        var gram = Matrix<Double>(rows: k, columns: k)
        BLAS.syrk(w, trans: .transposed, into: &gram)
        let eigen = try LAPACK.symmetricEigen(gram)
        let largest = eigen.values.last ?? 0
        let kept = (0..<k).reversed().filter { eigen.values[$0] > 1e-10 * largest }
        var v = Matrix<Double>(rows: k, columns: kept.count)
        for (c, j) in kept.enumerated() {
            let inverse = 1 / eigen.values[j].squareRoot()
            for i in 0..<k { v[i, c] = eigen.vectors[i, j] * inverse }
        }
        count = n
        transposedVectors = BLAS.product(v, w, transA: .transposed, transB: .transposed)
        values = kept.map { eigen.values[$0] / meanDiagonal }
        scale = meanDiagonal
        clampedCount = k - kept.count
    }

    /// The same G divided by `scale` instead of its own mean diagonal: the spectrum over training
    /// and validation individuals rescaled like the training individuals' own, so that C over the
    /// training rows is exactly a block of C over both (the held-out likelihood needs that).
    public func rescaled(to scale: Double) -> RelatednessSpectrum {
        precondition(scale > 0, "rescaled: scale \(scale) must be positive")
        return RelatednessSpectrum(count: count, values: values.map { $0 * self.scale / scale }, transposedVectors: transposedVectors, scale: scale,
                                   clampedCount: clampedCount)
    }

    private init(count: Int, values: [Double], transposedVectors: Matrix<Double>, scale: Double, clampedCount: Int) {
        self.count = count
        self.values = values
        self.transposedVectors = transposedVectors
        self.scale = scale
        self.clampedCount = clampedCount
    }

    /// `R = Qᵀ U` (r × p).
    public func project(_ u: Matrix<Double>) -> Matrix<Double> {
        precondition(u.rows == count, "project: \(u.rows) rows, spectrum has \(count)")
        return BLAS.product(transposedVectors, u)
    }

    /// The squared row norms of `Qᵀ U` per eigenvalue, and what ‖U‖² leaves for the n − r null
    /// directions: everything the λ objective needs from U.
    public func residuals(_ u: Matrix<Double>) -> SpectralResiduals {
        let r = project(u)
        var perEigen = [Double](repeating: 0, count: rank)
        for j in 0..<r.columns { for k in 0..<rank { perEigen[k] += r[k, j] * r[k, j] } }
        var complement = 0.0
        if !isComplete {
            let total = u.storage.reduce(0) { $0 + $1 * $1 }
            complement = max(0, total - perEigen.reduce(0, +))
        }
        return SpectralResiduals(perEigen: perEigen, complement: complement, dimension: u.columns)
    }
}

/// `‖R_k‖²` for `R = Qᵀ U`, plus the squared norm of U outside the span of Q.
public struct SpectralResiduals {
    /// `‖R_k‖²`, one per stored eigenvalue.
    public var perEigen: [Double]
    /// `‖U‖² − ‖Qᵀ U‖²` (0 for a complete spectrum).
    public var complement: Double
    /// p, the number of latent columns.
    public var dimension: Int
}
