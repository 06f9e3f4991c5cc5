import Formats
import Numerics

/// The eigendecomposition of a GRM as GEMMA's `-eigen` produces it: K = U diag(d) Uᵀ.
public struct GRMEigendecomposition {
    /// Eigenvalues, ascending; those below `GRMEigen.zeroThreshold` are exactly 0.
    public var values: [Double]
    /// Orthonormal eigenvectors as columns, in the order of `values` (n × n).
    public var vectors: Matrix<Double>
    /// How many eigenvalues were set to 0.
    public var zeroedCount: Int

    public init(values: [Double], vectors: Matrix<Double>, zeroedCount: Int) {
        precondition(vectors.rows == vectors.columns && vectors.columns == values.count, "n eigenvalues, n × n vectors")
        self.values = values
        self.vectors = vectors
        self.zeroedCount = zeroedCount
    }

    /// Number of individuals.
    public var count: Int { values.count }
}

/// A `GRMEigendecomposition` held with the eigenvectors as rows (`GEMMAEigenFiles.readTransposed`),
/// for consumers that read one individual's loadings on every eigenvector contiguously.
public struct TransposedGRMEigendecomposition {
    /// Eigenvalues, ascending, as in the file.
    public var values: [Double]
    /// Qᵀ (n × n): row k is the eigenvector of `values[k]`, column i individual i's loadings.
    public var transposedVectors: Matrix<Double>
    /// How many eigenvalues are exactly 0.
    public var zeroedCount: Int

    public init(values: [Double], transposedVectors: Matrix<Double>, zeroedCount: Int) {
        precondition(transposedVectors.rows == transposedVectors.columns && transposedVectors.rows == values.count,
                     "n eigenvalues, n × n vectors")
        self.values = values
        self.transposedVectors = transposedVectors
        self.zeroedCount = zeroedCount
    }

    /// Number of individuals.
    public var count: Int { values.count }

    /// The same decomposition with the eigenvectors as rows: Q is transposed in place, so handing
    /// over the only reference to it (`consume`) costs no second n × n matrix.
    public init(_ eigen: consuming GRMEigendecomposition) {
        let values = eigen.values, zeroed = eigen.zeroedCount
        var q = (consume eigen).vectors
        GEMMAMatrixText.transposeInPlace(&q.storage, n: q.rows)
        self.init(values: values, transposedVectors: q, zeroedCount: zeroed)
    }

    /// K restricted to the individuals `rows` (in that order), recomposed from the decomposition:
    /// `K_RR = Q_R diag(d) Q_Rᵀ`, Q_R the rows R of Q (columns R of Qᵀ), d `values` as stored. The
    /// one routine for eigen files over more individuals than are used (`assoc`, and
    /// `normalize`/`density` with `--eigen`).
    public func recomposed(rows: [Int]) -> Matrix<Double> {
        var scaled = transposedVectors.selectingColumns(rows)
        let loadings = scaled
        for i in 0..<scaled.columns {
            for k in 0..<scaled.rows { scaled[k, i] *= values[k] }
        }
        return BLAS.product(scaled, loadings, transA: .transposed)
    }
}

extension GRMEigendecomposition {
    /// The same decomposition with the eigenvectors as columns: Qᵀ is transposed in place, so
    /// handing over the only reference to it (`consume`) costs no second n × n matrix.
    public init(_ eigen: consuming TransposedGRMEigendecomposition) {
        let values = eigen.values, zeroed = eigen.zeroedCount
        var q = (consume eigen).transposedVectors
        GEMMAMatrixText.transposeInPlace(&q.storage, n: q.rows)
        self.init(values: values, vectors: q, zeroedCount: zeroed)
    }
}

/// Eigendecomposition of a GRM, the way GEMMA 0.98.5's `-eigen` does it (checked against the
/// Debian binary, see the tests):
///
/// 1. the matrix is double-centred first, `P K P` with `P = I − 11ᵀ/n` (GEMMA does this for `-eigen`
///    on both `.cXX` and `.sXX` matrices; a GRM built over all individuals is already centred);
/// 2. LAPACK `dsyevd` gives ascending eigenvalues and orthonormal eigenvectors;
/// 3. every eigenvalue below 1e-10 — including negative ones, however large — is set to 0
///    (GEMMA warns "Matrix G has N eigenvalues close to zero").
public enum GRMEigen {
    /// Eigenvalues below this are set to 0.
    public static let zeroThreshold = 1e-10

    /// Decomposes `k`; `centering` applies step 1 (on by default, as GEMMA).
    ///
    /// `k` is centred in place and overwritten by the eigenvectors: pass it with `consume` (or as
    /// its last use) and the decomposition holds no second n × n matrix besides LAPACK's workspace.
    public static func decompose(_ k: consuming Matrix<Double>, centering: Bool = true) throws -> GRMEigendecomposition {
        precondition(k.rows == k.columns, "a GRM is square")
        var input = k
        if centering { doubleCenter(&input) }
        let e = try LAPACK.symmetricEigen(consume input)
        var zeroed = 0
        let values = e.values.map { v -> Double in
            if v < zeroThreshold { zeroed += 1; return 0 }
            return v
        }
        return GRMEigendecomposition(values: values, vectors: e.vectors, zeroedCount: zeroed)
    }

    /// `P K P` with `P = I − 11ᵀ/n`: `K_ij − r_i − r_j + μ` with r the row means and μ the grand mean.
    public static func doubleCentered(_ k: Matrix<Double>) -> Matrix<Double> {
        var out = k
        doubleCenter(&out)
        return out
    }

    /// `doubleCentered`, in place.
    public static func doubleCenter(_ k: inout Matrix<Double>) {
        let n = k.rows
        guard n > 0 else { return }
        var rowMeans = [Double](repeating: 0, count: n)
        k.storage.withUnsafeMutableBufferPointer { p in
            // K is symmetric: column sums are row sums and run along contiguous memory.
            for j in 0..<n {
                var s = 0.0
                for i in 0..<n { s += p[i + j * n] }
                rowMeans[j] = s / Double(n)
            }
            let grand = rowMeans.reduce(0, +) / Double(n)
            for j in 0..<n {
                let cj = grand - rowMeans[j]
                for i in 0..<n { p[i + j * n] += cj - rowMeans[i] }
            }
        }
    }
}

/// GEMMA's eigen files: `prefix.eigenD.txt` (eigenvalues, one per line) and `prefix.eigenU.txt`
/// (eigenvectors as columns, n × n), both in `%.10g` — the `-d`/`-u` inputs of GEMMA.
public enum GEMMAEigenFiles {
    /// `prefix.eigenD.txt`.
    public static func valuesPath(_ prefix: String) -> String { prefix + ".eigenD.txt" }
    /// `prefix.eigenU.txt`.
    public static func vectorsPath(_ prefix: String) -> String { prefix + ".eigenU.txt" }

    /// Both files as (name suffix, matrix): `.eigenD.txt` (n × 1), then `.eigenU.txt` (n × n).
    public static func matrices(_ e: GRMEigendecomposition) -> [(suffix: String, matrix: Matrix<Double>)] {
        [(".eigenD.txt", Matrix(rows: e.count, columns: 1, storage: e.values)), (".eigenU.txt", e.vectors)]
    }

    /// Writes both files atomically.
    public static func write(_ e: GRMEigendecomposition, prefix: String) throws {
        for file in matrices(e) { try GEMMAMatrixText.write(file.matrix, to: prefix + file.suffix) }
    }

    /// Reads an eigenvalue file and an eigenvector file and checks that they fit together.
    public static func read(values valuesFile: String, vectors vectorsFile: String) throws -> GRMEigendecomposition {
        let (values, vectors, zeroed) = try readChecked(values: valuesFile, vectors: vectorsFile, transposed: false)
        return GRMEigendecomposition(values: values, vectors: vectors, zeroedCount: zeroed)
    }

    /// Reads `prefix.eigenD.txt` and `prefix.eigenU.txt`.
    public static func read(prefix: String) throws -> GRMEigendecomposition {
        try read(values: valuesPath(prefix), vectors: vectorsPath(prefix))
    }

    /// Reads `prefix.eigenD.txt` and `prefix.eigenU.txt` with the eigenvectors as rows (Qᵀ): the
    /// layout of the text itself, so an n × n file costs one n × n matrix and no transpose.
    public static func readTransposed(prefix: String) throws -> TransposedGRMEigendecomposition {
        let (values, transposedVectors, zeroed) = try readChecked(values: valuesPath(prefix), vectors: vectorsPath(prefix), transposed: true)
        return TransposedGRMEigendecomposition(values: values, transposedVectors: transposedVectors, zeroedCount: zeroed)
    }

    private static func readChecked(values valuesFile: String, vectors vectorsFile: String,
                                     transposed: Bool) throws -> ([Double], Matrix<Double>, Int) {
        let d = try GEMMAMatrixText.read(path: valuesFile)
        guard d.columns == 1 else {
            throw FormatError(path: valuesFile, "expected one eigenvalue per line, found \(d.columns) values per line")
        }
        let u = try GEMMAMatrixText.readSquare(path: vectorsFile, transposed: transposed)
        guard u.rows == d.rows else {
            throw FormatError(path: vectorsFile, "\(u.rows) × \(u.rows) eigenvectors but \(d.rows) eigenvalues in \(valuesFile)")
        }
        return (d.storage, u, d.storage.filter { $0 == 0 }.count)
    }
}
