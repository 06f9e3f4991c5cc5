import CLinearAlgebra
import Formats
import Numerics

/// Computes GEMMA's relatedness matrices (`-gk 1`, `-gk 2`) from a PLINK `.bed`, block by block.
///
/// For each SNP, over the GRM's individuals: the mean `m` of the observed genotypes (A1 counts),
/// missing genotypes set to `m`, the column centred (`x − m`) and, for `standardized`, divided by
/// `sqrt(v)` with `v` the population variance of the imputed column (left unscaled when `v = 0`).
/// The SNP filters (`SNPFilter`) are decided on the analysed individuals only, as GEMMA does.
///
/// Kernel and accuracy: a block of `blockSize` SNPs is decoded into Float, centred/scaled through a
/// three-entry table per SNP (values rounded once from Double), and its outer product `A Aᵀ` is
/// formed in Float by `sgemm`/`ssyrk` one column panel at a time, each panel added into the Double
/// sum. Float therefore only sums `blockSize` terms; the sum over blocks is in Double. The tests
/// bound the difference from an all-Double computation (< 5e-7 absolute on the GRM, measured
/// 2.5e-7 in the worst case tried: standardised rare SNPs and near-duplicate individuals; GEMMA's
/// own text has 10 significant digits). Memory: the n × n Double sum, one n × block Float block
/// and one n × panel Float panel.
public struct GRMBuilder {
    /// The genotypes.
    public let bed: PlinkBed
    /// `.fam` rows of the GRM's individuals, in GRM order.
    public let individuals: [Int]
    /// Per GRM individual: whether it is analysed (counts towards the SNP filters).
    public let analysed: [Bool]
    /// Centred or standardised.
    public var kind: GRMKind
    /// SNP filters (GEMMA's defaults unless changed).
    public var filter: SNPFilter
    /// SNPs per Float block.
    public var blockSize: Int = 2048
    /// Columns of the GRM per Float panel.
    public var panelWidth: Int = 1024

    /// A builder for the listed individuals; `analysed` defaults to all of them.
    public init(bed: PlinkBed, individuals: [Int]? = nil, analysed: [Bool]? = nil,
                kind: GRMKind, filter: SNPFilter = .gemmaDefault) {
        self.bed = bed
        self.individuals = individuals ?? Array(0..<bed.individuals)
        self.analysed = analysed ?? [Bool](repeating: true, count: self.individuals.count)
        precondition(self.analysed.count == self.individuals.count, "one analysed flag per GRM individual")
        self.kind = kind
        self.filter = filter
    }

    /// `Σ x xᵀ` over the listed SNPs (`.bim` rows) that pass the filters, with their count.
    ///
    /// `progress(done, total)` is called after each block with SNPs examined so far.
    public func partialSum(snps: [Int], progress: ((Int, Int) -> Void)? = nil) -> GRMPartialSum {
        let n = individuals.count
        var sum = Matrix<Double>(rows: n, columns: n)
        let b = max(1, blockSize)
        let width = max(1, min(panelWidth, n))
        let allRows = individuals == Array(0..<bed.individuals)
        let allAnalysed = !analysed.contains(false)
        var block = [Float](repeating: 0, count: n * b)
        var panel = [Float](repeating: 0, count: n * width)
        var used = 0
        var start = 0
        block.withUnsafeMutableBufferPointer { blockBuffer in
            let a = blockBuffer.baseAddress!
            while start < snps.count {
                let chunk = snps[start..<min(snps.count, start + b)]
                var kept = 0
                for s in chunk {
                    let column = a + kept * n
                    if allRows { bed.decode(snp: s, into: column) } else { bed.decode(snp: s, individuals: individuals, into: column) }
                    if prepareColumn(column, n: n, allAnalysed: allAnalysed) { kept += 1 }
                }
                if kept > 0 {
                    panel.withUnsafeMutableBufferPointer { addOuterProduct(UnsafePointer(a), n: n, k: kept, panel: $0.baseAddress!, width: width, into: &sum) }
                }
                used += kept
                start += chunk.count
                progress?(start, snps.count)
            }
        }
        BLAS.symmetrizeFromUpper(&sum)
        return GRMPartialSum(sum: sum, snpCount: used, kind: kind)
    }

    /// The `part`-th (1-based) of `parts` contiguous pieces of `snps`, cut at block boundaries.
    ///
    /// Because the pieces are whole blocks, each block's Float sum is the same in a piece as in a
    /// one-shot run, and merged pieces differ from the one-shot GRM only by the order of the Double
    /// additions across blocks (≈ 1e-16 relative).
    public func piece(_ part: Int, of parts: Int, snps: [Int]) -> [Int] {
        precondition(parts >= 1 && part >= 1 && part <= parts, "part \(part) of \(parts)")
        let b = max(1, blockSize)
        let blocks = (snps.count + b - 1) / b
        let first = blocks * (part - 1) / parts, last = blocks * part / parts
        return Array(snps[min(snps.count, first * b)..<min(snps.count, last * b)])
    }

    /// The GRM over all SNPs of the `.bed`.
    public func grm(progress: ((Int, Int) -> Void)? = nil) -> GRM {
        partialSum(snps: Array(0..<bed.snps), progress: progress).grm
    }

    /// Applies the filters to a decoded column and, when kept, overwrites it with its centred
    /// (and for `standardized`, scaled) values, missing as 0. Returns whether the SNP is kept.
    func prepareColumn(_ x: UnsafeMutablePointer<Float>, n: Int, allAnalysed: Bool) -> Bool {
        // Class 0, 1, 2 = A1 count, 3 = missing; counted over all rows and over analysed rows.
        var all = (0, 0, 0, 0)
        var an = (0, 0, 0, 0)
        for i in 0..<n {
            let v = x[i]
            let c = v.isNaN ? 3 : Int(v)
            switch c {
            case 0: all.0 += 1
            case 1: all.1 += 1
            case 2: all.2 += 1
            default: all.3 += 1
            }
            if !allAnalysed && analysed[i] {
                switch c {
                case 0: an.0 += 1
                case 1: an.1 += 1
                case 2: an.2 += 1
                default: an.3 += 1
                }
            }
        }
        if allAnalysed { an = all }
        let counts = GenotypeCounts(zero: an.0, one: an.1, two: an.2, missing: an.3)
        guard filter.keeps(counts) else { return false }
        let observed = all.0 + all.1 + all.2
        let mean = Double(all.1 + 2 * all.2) / Double(observed)
        var scale = 1.0
        if kind == .standardized {
            // Population variance of the imputed column: (Σ_obs x² + n_miss m²) / n − m².
            let variance = (Double(all.1 + 4 * all.2) + Double(all.3) * mean * mean) / Double(n) - mean * mean
            if variance > 0 { scale = 1 / variance.squareRoot() }
        }
        let table: (Float, Float, Float) = (Float((0 - mean) * scale), Float((1 - mean) * scale), Float((2 - mean) * scale))
        for i in 0..<n {
            let v = x[i]
            x[i] = v.isNaN ? 0 : (v == 0 ? table.0 : (v == 1 ? table.1 : table.2))
        }
        return true
    }

    /// Adds the upper triangle of `A Aᵀ` (A n × k, column-major, Float) into `sum` (Double),
    /// one panel of `width` GRM columns at a time: `sgemm` above the diagonal block, `ssyrk` on it.
    func addOuterProduct(_ a: UnsafePointer<Float>, n: Int, k: Int, panel: UnsafeMutablePointer<Float>,
                         width: Int, into sum: inout Matrix<Double>) {
        sum.storage.withUnsafeMutableBufferPointer { s in
            var c0 = 0
            while c0 < n {
                let c1 = min(n, c0 + width)
                let w = c1 - c0
                // Panel rows 0..<c1, columns c0..<c1, leading dimension c1.
                if c0 > 0 {
                    cblas_sgemm(CblasColMajor, CblasNoTrans, CblasTrans, Int32(c0), Int32(w), Int32(k), 1,
                                a, Int32(n), a + c0, Int32(n), 0, panel, Int32(c1))
                }
                cblas_ssyrk(CblasColMajor, CblasUpper, CblasNoTrans, Int32(w), Int32(k), 1,
                            a + c0, Int32(n), 0, panel + c0, Int32(c1))
                for j in 0..<w {
                    let target = s.baseAddress! + (c0 + j) * n
                    let source = panel + j * c1
                    for i in 0...(c0 + j) { target[i] += Double(source[i]) }
                }
                c0 = c1
            }
        }
    }
}
