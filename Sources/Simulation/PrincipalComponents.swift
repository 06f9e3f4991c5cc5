import Numerics

/// Leading principal components of the simulated genotypes, as `plink2 --pca` computes them:
/// eigenvectors of the variance-standardized GRM X Xᵀ / M (x = (g − 2p) / √(2p(1 − p)) with p the
/// observed A1 frequency, missing set to 0), largest eigenvalue first, unit-norm columns.
///
/// At most `maximumSNPs` SNPs with observed MAF ≥ `minimumMAF` enter, evenly spaced along the
/// `.bim`, which keeps the O(n² M) cost bounded for large simulations. Each vector's sign is fixed
/// so that its entry of largest magnitude is positive, which makes the output reproducible.
public struct PrincipalComponents {
    /// n × k eigenvectors, column j the (j + 1)-th principal component.
    public let vectors: Matrix<Double>
    /// The k leading eigenvalues of X Xᵀ / M, descending.
    public let values: [Double]
    /// M, the number of SNPs used.
    public let snps: Int

    /// The `count` leading components of `population`'s genotypes.
    public init(population: SimulatedPopulation, count: Int, maximumSNPs: Int = 20_000, minimumMAF: Double = 0.01) throws {
        let n = population.fam.count
        precondition(count >= 1 && count <= n, "need between 1 and \(n) principal components, got \(count)")
        let eligible = population.bim.indices.filter { snp in
            guard let s = population.standardized(snp: snp) else { return false }
            return min(s.frequency, 1 - s.frequency) >= minimumMAF
        }
        guard !eligible.isEmpty else { throw SimulationError("no SNP with MAF ≥ \(minimumMAF) to compute principal components from") }
        let used = eligible.count <= maximumSNPs ? eligible
            : (0..<maximumSNPs).map { eligible[$0 * eligible.count / maximumSNPs] }
        var grm = Matrix<Double>(rows: n, columns: n)
        let blockSize = 256
        for start in stride(from: 0, to: used.count, by: blockSize) {
            let snps = used[start..<min(start + blockSize, used.count)]
            var block = Matrix<Double>(rows: n, columns: snps.count)
            for (j, snp) in snps.enumerated() {
                let s = population.standardized(snp: snp)!
                let toHardyWeinberg = s.sd / (2 * s.frequency * (1 - s.frequency)).squareRoot()
                for i in 0..<n { block[i, j] = s.values[i] * toHardyWeinberg }
            }
            BLAS.syrk(block, into: &grm, alpha: 1, beta: 1)
        }
        for k in grm.storage.indices { grm.storage[k] /= Double(used.count) }
        let eigen = try LAPACK.symmetricEigen(grm)
        var vectors = Matrix<Double>(rows: n, columns: count)
        var values: [Double] = []
        for j in 0..<count {
            let source = n - 1 - j
            values.append(eigen.values[source])
            let column = eigen.vectors.column(source)
            let largest = column.indices.max { abs(column[$0]) < abs(column[$1]) }!
            let sign: Double = column[largest] < 0 ? -1 : 1
            for i in 0..<n { vectors[i, j] = sign * column[i] }
        }
        self.vectors = vectors
        self.values = values
        snps = used.count
    }
}
