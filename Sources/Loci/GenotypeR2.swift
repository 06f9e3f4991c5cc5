/// Squared Pearson correlation of two SNPs' allele counts over the individuals genotyped
/// for both: the "genotypic" r² of PLINK's `--indep-pairwise` (no haplotype phasing).
///
/// With x, y ∈ {1, 0, −1} (A1 copies − 1) and sums over the n jointly called individuals,
/// r² = (n Σxy − Σx Σy)² / ((n Σx² − (Σx)²)(n Σy² − (Σy)²)); nil when either SNP has no
/// variance there.
public enum GenotypeR2 {
    public static func r2(_ a: GenotypeCodes, _ b: GenotypeCodes) -> Double? {
        r2(table: HaplotypeR2.pairTable(a, b))
    }

    /// r² from the 3 × 3 genotype-pair table of `HaplotypeR2.pairTable`.
    public static func r2(table c: [Int]) -> Double? {
        var n = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0
        for a in 0..<3 {
            for b in 0..<3 {
                let k = c[3 * a + b]
                let x = 1 - a, y = 1 - b
                n += k; sx += k * x; sy += k * y; sxx += k * x * x; syy += k * y * y; sxy += k * x * y
            }
        }
        let vx = n * sxx - sx * sx, vy = n * syy - sy * sy
        guard vx > 0, vy > 0 else { return nil }
        let cov = Double(n * sxy - sx * sy)
        return cov * cov / (Double(vx) * Double(vy))
    }
}
