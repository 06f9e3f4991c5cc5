import Formats

/// Per-SNP quality-control statistics and PLINK 1.9's `--maf`, `--geno` and `--hwe` filters.
///
/// Missingness (`--geno`) is counted over every individual of the panel's `.bed`; allele
/// frequency and the Hardy–Weinberg counts over the panel's individuals (PLINK: founders;
/// all, or founders with `--founders-only`, here). Each filter is judged on the unfiltered
/// data, so the order of filters does not matter, as in PLINK. PLINK's slack for
/// floating-point error is reproduced: a SNP fails `--maf m` when MAF < m (1 − 2⁻⁴⁴), `--geno g`
/// when its call rate < (1 − g)(1 − 2⁻⁴⁴), `--hwe p` when the exact p-value < p (1 − 2⁻⁴⁴).
public struct VariantQC: Sendable {
    /// Thresholds; nil switches a filter off.
    public struct Thresholds: Equatable, Sendable {
        public var maf: Double?
        public var geno: Double?
        public var hwe: Double?
        public init(maf: Double? = nil, geno: Double? = nil, hwe: Double? = nil) {
            self.maf = maf; self.geno = geno; self.hwe = hwe
        }
    }

    /// Statistics of one SNP.
    public struct Statistics: Equatable, Sendable {
        /// Fraction of all `.fam` individuals with a missing call.
        public var missingRate: Double
        /// Frequency of A1 among the panel's non-missing calls (0.5 when there are none).
        public var a1Frequency: Double
        /// Panel genotype counts.
        public var homA1: Int, het: Int, homA2: Int
        /// Exact HWE p-value of the panel counts.
        public var hweP: Double
        /// Minor allele frequency.
        public var maf: Double { min(a1Frequency, 1 - a1Frequency) }
    }

    /// Why a SNP was dropped.
    public enum Failure: String, Sendable {
        case geno, hwe, maf
    }

    static let slack = 0x1p-44

    /// Statistics per `.bim` row.
    public let statistics: [Statistics]
    /// Filters failed per `.bim` row (empty = kept).
    public let failures: [[Failure]]

    /// Computes statistics for every SNP of `dataset` (panel individuals as described above)
    /// and applies `thresholds`.
    public init(dataset: PlinkDataset, panel: GenotypePanel, thresholds: Thresholds) {
        let everyone = Array(dataset.fam.indices)
        let panelIsEveryone = panel.individuals == everyone
        var statistics: [Statistics] = []
        var failures: [[Failure]] = []
        statistics.reserveCapacity(dataset.bim.count)
        for snp in dataset.bim.indices {
            let all = GenotypeCodes(bed: dataset.bed, snp: snp, individuals: everyone).classCounts
            let sub = panelIsEveryone ? all : GenotypeCodes(bed: dataset.bed, snp: snp, individuals: panel.individuals).classCounts
            let called = sub.homA1 + sub.het + sub.homA2
            let s = Statistics(missingRate: everyone.isEmpty ? 0 : Double(all.missing) / Double(everyone.count),
                               a1Frequency: called == 0 ? 0.5 : Double(2 * sub.homA1 + sub.het) / Double(2 * called),
                               homA1: sub.homA1, het: sub.het, homA2: sub.homA2,
                               hweP: HardyWeinberg.exactP(hets: sub.het, homA1: sub.homA1, homA2: sub.homA2))
            statistics.append(s)
            var failed: [Failure] = []
            if let g = thresholds.geno {
                let callRate = everyone.isEmpty ? 0 : Double(everyone.count - all.missing) * (1.0 / Double(everyone.count))
                if callRate < (1 - g) * (1 - VariantQC.slack) { failed.append(.geno) }
            }
            if let h = thresholds.hwe, s.hweP < h * (1 - VariantQC.slack) { failed.append(.hwe) }
            if let m = thresholds.maf, s.maf < m * (1 - VariantQC.slack) { failed.append(.maf) }
            failures.append(failed)
        }
        self.statistics = statistics
        self.failures = failures
    }
}
