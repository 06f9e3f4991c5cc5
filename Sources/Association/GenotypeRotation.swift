import CLinearAlgebra
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
///
/// Blocks are independent, so `scan` runs them on several workers at once, each decoding its block
/// and running its GEMM with single-threaded BLAS: no worker waits for another's decode, and
/// OpenBLAS's threads never spin between calls. Results reach the caller in SNP order.
public struct GenotypeRotation {
    public let bed: PlinkBed
    /// `.fam` rows of the analysed individuals, in the order of the eigenvectors' rows.
    public let individuals: [Int]
    public let filter: AssociationSNPFilter
    public let precision: RotationPrecision
    /// SNPs per rotation GEMM.
    public var blockSize = 1024
    /// Rotated columns per call of the per-SNP analysis (a Double copy small enough to stay in cache).
    public var chunkSize = 64

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

    /// Filters, imputes and rotates `snps` (`.bim` rows, in order) block by block on `workers`
    /// threads. `analyse` runs on the workers, once per chunk of at most `chunkSize` kept SNPs, with
    /// the SNPs and their rotated genotypes (n × kept, Double, scratch for the callee); `collect`
    /// then receives its results one at a time, in SNP order. `progress` gets the number of SNPs
    /// examined after each block.
    public func scan<Part>(snps: [Int], workers: Int = BLAS.threads, progress: (Int) -> Void = { _ in },
                           analyse: ([TestedSNP], inout Matrix<Double>) -> Part, collect: (Part) -> Void) {
        let blocks = stride(from: 0, to: snps.count, by: blockSize).map { $0..<min(snps.count, $0 + blockSize) }
        let workers = max(1, min(workers, blocks.count))
        let blasThreads = BLAS.threads
        if workers > 1 { BLAS.setThreads(1) }
        defer { if workers > 1 { BLAS.setThreads(blasThreads) } }
        let lock = NSLock()
        var claimed = 0, delivered = 0
        var finished: [Int: [Part]] = [:]
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            let workspace = RotationWorkspace(individuals: individuals.count, capacity: blockSize)
            while true {
                let b: Int = lock.withLock { claimed += 1; return claimed - 1 }
                guard b < blocks.count else { return }
                let kept = rotate(snps[blocks[b]], workspace)
                let parts = stride(from: 0, to: kept.count, by: chunkSize).map { start in
                    let range = start..<min(kept.count, start + chunkSize)
                    var columns = workspace.rotatedColumns(range, precision: precision)
                    return analyse(Array(kept[range]), &columns)
                }
                lock.withLock {
                    finished[b] = parts
                    while let ready = finished.removeValue(forKey: delivered) {
                        ready.forEach(collect)
                        progress(blocks[delivered].upperBound)
                        delivered += 1
                    }
                }
            }
        }
    }

    /// One block into `ws.rotated`: decode, filter, impute, centre, one GEMM. Returns the SNPs kept.
    func rotate(_ snps: ArraySlice<Int>, _ ws: RotationWorkspace) -> [TestedSNP] {
        switch precision {
        case .float: return rotate(snps, eigenvectorsFloat, ws, block: ws.block(Float.self), rotated: ws.rotated(Float.self))
        case .double: return rotate(snps, eigenvectors, ws, block: ws.block(Double.self), rotated: ws.rotated(Double.self))
        }
    }

    private func rotate<S: LinearAlgebraScalar>(_ snps: ArraySlice<Int>, _ u: Matrix<S>, _ ws: RotationWorkspace,
                                                block: UnsafeMutablePointer<S>, rotated: UnsafeMutablePointer<S>) -> [TestedSNP] {
        let n = individuals.count
        let all = individuals.count == bed.individuals && individuals == Array(0..<bed.individuals)
        let raw = ws.raw, imputed = ws.imputed
        var kept: [TestedSNP] = []
        for s in snps {
            if all { bed.decode(snp: s, into: raw) } else { bed.decode(snp: s, individuals: individuals, into: raw) }
            // Class counts: index 0, 1, 2 = A1 count, 3 = missing (NaN).
            var counts = (0, 0, 0, 0)
            for i in 0..<n {
                let v = raw[i]
                if v.isNaN { counts.3 += 1 } else if v == 0 { counts.0 += 1 } else if v == 1 { counts.1 += 1 } else { counts.2 += 1 }
            }
            let c = GenotypeCounts(zero: counts.0, one: counts.1, two: counts.2, missing: counts.3)
            guard filter.filter.keeps(c) else { continue }
            let mean = Double(c.one + 2 * c.two) / Double(c.observed)
            for i in 0..<n { let v = raw[i]; imputed[i] = v.isNaN ? mean : Double(v) }
            if let basis = covariateBasis, collinear(imputed, n, basis: basis) { continue }
            let column = block + kept.count * n
            let shift = centre ? mean : 0
            for i in 0..<n { column[i] = S(imputed[i] - shift) }
            kept.append(TestedSNP(index: s, missing: c.missing, alleleFrequency: mean / 2))
        }
        if !kept.isEmpty {
            u.storage.withUnsafeBufferPointer { pu in
                S.gemm(CblasTrans, CblasNoTrans, Int32(n), Int32(kept.count), Int32(n), 1, pu.baseAddress!, Int32(n),
                       block, Int32(n), 0, rotated, Int32(n))
            }
        }
        return kept
    }

    /// Whether the SNP's r² on the covariates exceeds the threshold.
    func collinear(_ x: UnsafeMutablePointer<Double>, _ n: Int, basis: Matrix<Double>) -> Bool {
        var explained = 0.0, total = 0.0
        basis.storage.withUnsafeBufferPointer { p in
            for a in 0..<basis.columns {
                let column = p.baseAddress! + a * n
                var s = 0.0
                for i in 0..<n { s += column[i] * x[i] }
                explained += s * s
            }
        }
        for i in 0..<n { total += x[i] * x[i] }
        return explained / total > filter.maxCovariateR2
    }
}

/// One worker's buffers for `GenotypeRotation`: allocated once, uninitialised (every element is
/// written before it is read), freed with the worker. The block buffers hold Float or Double
/// (room for either), as the rotation's precision says.
final class RotationWorkspace {
    /// One decoded SNP (Float genotypes, NaN missing) and its imputed Double copy.
    let raw: UnsafeMutablePointer<Float>
    let imputed: UnsafeMutablePointer<Double>
    let n: Int
    /// The block X (n × capacity) and `Uᵀ X`.
    private let blockBytes: UnsafeMutableRawPointer
    private let rotatedBytes: UnsafeMutableRawPointer
    private let byteCount: Int

    init(individuals n: Int, capacity: Int) {
        self.n = n
        raw = .allocate(capacity: n)
        imputed = .allocate(capacity: n)
        byteCount = n * capacity * MemoryLayout<Double>.size
        blockBytes = .allocate(byteCount: byteCount, alignment: 64)
        rotatedBytes = .allocate(byteCount: byteCount, alignment: 64)
    }

    deinit {
        raw.deallocate(); imputed.deallocate(); blockBytes.deallocate(); rotatedBytes.deallocate()
    }

    func block<S>(_: S.Type) -> UnsafeMutablePointer<S> { blockBytes.bindMemory(to: S.self, capacity: byteCount / MemoryLayout<S>.stride) }
    func rotated<S>(_: S.Type) -> UnsafeMutablePointer<S> { rotatedBytes.bindMemory(to: S.self, capacity: byteCount / MemoryLayout<S>.stride) }

    /// Columns `range` of `Uᵀ X` as a Double matrix.
    func rotatedColumns(_ range: Range<Int>, precision: RotationPrecision) -> Matrix<Double> {
        switch precision {
        case .float: return columns(rotated(Float.self), range)
        case .double: return columns(rotated(Double.self), range)
        }
    }

    private func columns<S: BinaryFloatingPoint>(_ p: UnsafeMutablePointer<S>, _ range: Range<Int>) -> Matrix<Double> {
        let count = n * range.count, from = p + range.lowerBound * n
        return Matrix(rows: n, columns: range.count, storage: [Double](unsafeUninitializedCapacity: count) { out, written in
            for t in 0..<count { out[t] = Double(from[t]) }
            written = count
        })
    }
}
