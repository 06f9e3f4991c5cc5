import Foundation
import Formats
import Numerics
import Relatedness

/// Arithmetic of the rotation GEMM `Uᵀ X`.
public enum RotationPrecision: String, CaseIterable, Sendable {
    /// `sgemm` on U and X rounded to Float (twice as fast; the tests bound its effect on the results).
    case float
    /// `dgemm` throughout.
    case double
}

/// GEMMA's per-SNP filters for the association: `SNPFilter` (`-miss`, `-maf`, one genotype class)
/// decided on the analysed individuals, plus `-r2`: a SNP whose r² on the covariates exceeds
/// `maxCovariateR2` is dropped when there are covariates beyond the intercept, with
/// `r² = xᵀW(WᵀW)⁻¹Wᵀx / xᵀx` for x uncentred, missing set to the mean.
public struct AssociationSNPFilter: Equatable, Sendable {
    public var filter: SNPFilter
    public var maxCovariateR2: Double

    /// GEMMA 0.98.5's defaults: `-miss 0.05 -maf 0.01 -r2 0.9999`.
    public static let gemmaDefault = AssociationSNPFilter(filter: .gemmaDefault, maxCovariateR2: 0.9999)

    public init(filter: SNPFilter, maxCovariateR2: Double) {
        self.filter = filter
        self.maxCovariateR2 = maxCovariateR2
    }
}

/// A SNP that passed the filters: its `.bim` row and GEMMA's `n_miss` and `af` columns.
public struct TestedSNP: Equatable, Sendable {
    /// 0-based `.bim` row.
    public var index: Int
    /// Analysed individuals with a missing genotype.
    public var missing: Int
    /// Allele-1 frequency over the analysed individuals with a genotype.
    public var alleleFrequency: Double
}

/// Decodes SNP blocks for the analysed individuals, applies GEMMA's filters, imputes missing
/// genotypes by the SNP mean and rotates the block into the eigenbasis of K with one GEMM.
///
/// When W has a constant column (the intercept), each SNP is centred before the rotation: the score
/// test is unchanged (P annihilates the intercept direction) and the rotated values, and any
/// rounding in them, are smaller.
public struct GenotypeRotation {
    public let bed: PlinkBed
    /// `.fam` rows of the analysed individuals, in the order of the eigenvectors' rows.
    public let individuals: [Int]
    public let filter: AssociationSNPFilter
    public let precision: RotationPrecision
    /// SNPs per rotation GEMM.
    public var blockSize = 2048

    let eigenvectors: Matrix<Double>
    let eigenvectorsFloat: Matrix<Float>
    /// `W L⁻ᵀ` with `WᵀW = L Lᵀ` (for the r² filter), or nil when the filter does not apply.
    let covariateBasis: Matrix<Double>?
    let centre: Bool

    public init(bed: PlinkBed, individuals: [Int], eigenvectors: Matrix<Double>, covariates: Matrix<Double>,
                filter: AssociationSNPFilter = .gemmaDefault, precision: RotationPrecision = .float) throws {
        precondition(eigenvectors.rows == individuals.count && covariates.rows == individuals.count, "one row per analysed individual")
        self.bed = bed
        self.individuals = individuals
        self.filter = filter
        self.precision = precision
        self.eigenvectors = precision == .double ? eigenvectors : Matrix(rows: 0, columns: 0)
        self.eigenvectorsFloat = precision == .float ? Matrix<Float>(eigenvectors) : Matrix(rows: 0, columns: 0)
        let ones = [Double](repeating: 1, count: individuals.count)
        covariateBasis = covariates.columns > 1 ? try WeightedProjection(weights: ones, covariates: covariates).whitened : nil
        centre = (0..<covariates.columns).contains { j in
            let v = covariates[0, j]
            return v != 0 && (0..<covariates.rows).allSatisfy { covariates[$0, j] == v }
        }
    }

    /// Filters, imputes and rotates `snps` (`.bim` rows, in order) block by block; `body` receives
    /// the SNPs kept in a block and their rotated genotypes (n × kept, Double, scratch for the
    /// callee). `progress` gets the number of SNPs examined after each block.
    public func scan(snps: [Int], progress: (Int) -> Void = { _ in },
                     _ body: ([TestedSNP], inout Matrix<Double>) throws -> Void) rethrows {
        let n = individuals.count
        let all = individuals == Array(0..<bed.individuals)
        var raw = [Float](repeating: 0, count: n)
        var buffer = [Double](repeating: 0, count: n * blockSize)
        var start = 0
        while start < snps.count {
            let chunk = snps[start..<min(snps.count, start + blockSize)]
            var kept: [TestedSNP] = []
            raw.withUnsafeMutableBufferPointer { rawBuffer in
                buffer.withUnsafeMutableBufferPointer { out in
                    let x = rawBuffer.baseAddress!
                    for s in chunk {
                        if all { bed.decode(snp: s, into: x) } else { bed.decode(snp: s, individuals: individuals, into: x) }
                        // Class counts: index 0, 1, 2 = A1 count, 3 = missing (NaN).
                        var counts = (0, 0, 0, 0)
                        for i in 0..<n {
                            let v = x[i]
                            if v.isNaN { counts.3 += 1 } else if v == 0 { counts.0 += 1 } else if v == 1 { counts.1 += 1 } else { counts.2 += 1 }
                        }
                        let c = GenotypeCounts(zero: counts.0, one: counts.1, two: counts.2, missing: counts.3)
                        guard filter.filter.keeps(c) else { continue }
                        let mean = Double(c.one + 2 * c.two) / Double(c.observed)
                        let column = out.baseAddress! + kept.count * n
                        for i in 0..<n { let v = x[i]; column[i] = v.isNaN ? mean : Double(v) }
                        kept.append(TestedSNP(index: s, missing: c.missing, alleleFrequency: mean / 2))
                    }
                }
            }
            var block = Matrix<Double>(rows: n, columns: kept.count, storage: Array(buffer[0..<(n * kept.count)]))
            if let basis = covariateBasis, !kept.isEmpty {
                (kept, block) = droppingCollinear(kept, block, basis: basis)
            }
            if centre {
                block.storage.withUnsafeMutableBufferPointer { p in
                    for (j, snp) in kept.enumerated() {
                        let m = 2 * snp.alleleFrequency
                        for i in 0..<n { p[i + j * n] -= m }
                    }
                }
            }
            if !kept.isEmpty {
                var rotated = rotate(block)
                try body(kept, &rotated)
            }
            start += chunk.count
            progress(start)
        }
    }

    /// `Uᵀ X`.
    func rotate(_ x: Matrix<Double>) -> Matrix<Double> {
        switch precision {
        case .double:
            return BLAS.product(eigenvectors, x, transA: .transposed)
        case .float:
            return Matrix<Double>(BLAS.product(eigenvectorsFloat, Matrix<Float>(x), transA: .transposed))
        }
    }

    /// Removes the columns whose r² on the covariates exceeds the threshold.
    func droppingCollinear(_ kept: [TestedSNP], _ block: Matrix<Double>, basis: Matrix<Double>) -> ([TestedSNP], Matrix<Double>) {
        let n = block.rows
        let projected = BLAS.product(basis, block, transA: .transposed)   // c × kept
        var keepColumns: [Int] = []
        for j in 0..<kept.count {
            var explained = 0.0
            for a in 0..<projected.rows { explained += projected[a, j] * projected[a, j] }
            var total = 0.0
            block.storage.withUnsafeBufferPointer { p in for i in 0..<n { total += p[i + j * n] * p[i + j * n] } }
            if !(explained / total > filter.maxCovariateR2) { keepColumns.append(j) }
        }
        if keepColumns.count == kept.count { return (kept, block) }
        return (keepColumns.map { kept[$0] }, block.selectingColumns(keepColumns))
    }
}
