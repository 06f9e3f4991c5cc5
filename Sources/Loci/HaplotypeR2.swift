import Foundation

/// Two-SNP linkage disequilibrium r² from unphased genotypes, by maximum-likelihood
/// haplotype frequencies: the estimator PLINK 1.9 uses for `--clump` (and `--r2` with
/// `dprime`), not the genotype-count correlation that `--indep-pairwise` uses.
///
/// Individuals missing either SNP are left out. Every genotype pair except the double
/// heterozygote fixes its haplotypes, giving known counts n11, n12, n21, n22 (first digit:
/// allele of SNP A, 1 = A1). Each of the h double heterozygotes is 11/22 or 12/21; with
/// p11 = (n11 + x)/N the likelihood in x ∈ [0, h/N] (N = 2 × individuals) is maximised at a
/// root of a cubic (Hill 1974; PLINK's closed form). Then D = p11 − p1· p·1 and
/// r² = D² / (p1· p2· p·1 p·2), reported with D's sign (negative r² = repulsion phase).
///
/// Where several stationary points compete, PLINK 1.9 keeps the last candidate whose
/// log-likelihood exceeds the *first* candidate's (it never updates the running best);
/// we do the same so that clumps match the binary exactly.
public enum HaplotypeR2 {
    /// PLINK's `SMALL_EPSILON` (2⁻⁴⁴): |D| below this counts as no LD.
    static let negligibleD = 0x1p-44
    /// PLINK's `SMALLISH_EPSILON` (2⁻³⁵): slack when clipping cubic roots to [0, h/N].
    static let rootSlack = 0x1p-35

    /// The 3 × 3 table of genotype pairs, `table[3a + b]` with a, b the codes (0 hom A1,
    /// 1 het, 2 hom A2) of SNP A and SNP B; individuals missing either are skipped.
    public static func pairTable(_ a: GenotypeCodes, _ b: GenotypeCodes) -> [Int] {
        precondition(a.codes.count == b.codes.count, "genotype vectors of different length")
        var t16 = [Int](repeating: 0, count: 16)
        a.codes.withUnsafeBufferPointer { x in
            b.codes.withUnsafeBufferPointer { y in
                for i in 0..<x.count { t16[Int(x[i]) &* 4 &+ Int(y[i])] &+= 1 }
            }
        }
        return [t16[0], t16[1], t16[2], t16[4], t16[5], t16[6], t16[8], t16[9], t16[10]]
    }

    /// Signed r² between SNP A and SNP B, or nil when either is monomorphic over the
    /// individuals genotyped for both (PLINK then skips the pair).
    public static func r2(_ a: GenotypeCodes, _ b: GenotypeCodes) -> Double? {
        r2(table: pairTable(a, b))
    }

    /// Signed r² from a genotype-pair table as built by `pairTable`.
    public static func r2(table c: [Int]) -> Double? {
        precondition(c.count == 9, "a 3 × 3 table")
        let known11 = Double(2 * c[0] + c[1] + c[3])
        let known12 = Double(2 * c[2] + c[1] + c[5])
        let known21 = Double(2 * c[6] + c[3] + c[7])
        let known22 = Double(2 * c[8] + c[5] + c[7])
        guard let f = phase(known11: known11, known12: known12, known21: known21, known22: known22,
                            doubleHets: c[4]) else { return nil }
        let expected11 = f.px1 * f.p1x
        let d = f.p11 - expected11
        guard abs(d) >= negligibleD else { return 0 }
        return abs(d) * d / (expected11 * f.p2x * f.px2)
    }

    /// Allele and haplotype frequencies of the maximum-likelihood phasing.
    struct Phasing {
        /// Allele frequencies: p1· = A1 at SNP A, p2· = 1 − p1·, p·1 = A1 at SNP B, p·2 = 1 − p·1.
        var p1x, p2x, px1, px2: Double
        /// Frequency of haplotype A1-B1.
        var p11: Double
    }

    static func phase(known11: Double, known12: Double, known21: Double, known22: Double,
                      doubleHets: Int) -> Phasing? {
        let h = Double(doubleHets)
        let total = known11 + known12 + known21 + known22 + 2 * h
        if total == 0 { return nil }
        let inv = 1.0 / total
        let f11 = known11 * inv, f12 = known12 * inv, f21 = known21 * inv, f22 = known22 * inv
        let prod1122 = f11 * f22, prod1221 = f12 * f21
        let share = h * inv
        let p1x = f11 + f12 + share
        let px1 = f11 + f21 + share
        var p11 = f11
        if doubleHets > 0 {
            let candidates: [Double]
            if prod1122 != 0 || prod1221 != 0 {
                candidates = clippedRoots(f11: f11, f12: f12, f21: f21, f22: f22, share: share)
            } else {
                let same = f11 + f22, cross = f12 + f21
                if same + rootSlack < share + cross && cross + rootSlack < share + same {
                    candidates = [0, (share + cross - same) * 0.5, share]
                } else {
                    candidates = [0, share]
                }
            }
            p11 += chooseRoot(candidates, known: (known11, known12, known21, known22), h: h,
                              f: (f11, f12, f21, f22), share: share)
        } else if prod1122 == 0 && prod1221 == 0 {
            return nil
        }
        return Phasing(p1x: p1x, p2x: 1.0 - p1x, px1: px1, px2: 1.0 - px1, p11: p11)
    }

    /// Stationary points of the likelihood in x (extra 11 frequency), kept within [0, h/N].
    static func clippedRoots(f11: Double, f12: Double, f21: Double, f22: Double, share: Double) -> [Double] {
        var roots = CubicRoots.solve(
            a: 0.5 * (f11 + f22 - f12 - f21 - 3 * share),
            b: 0.5 * (f11 * f22 + f12 * f21 + share * (f12 + f21 - f11 - f22 + share)),
            c: -0.5 * share * (f11 * f22))
        while let last = roots.last, last > share + rootSlack { roots.removeLast() }
        while let first = roots.first, first < -rootSlack { roots.removeFirst() }
        if roots.isEmpty { return [0, share] }
        if roots[0] < 0 { roots[0] = 0 }
        if roots[roots.count - 1] > share { roots[roots.count - 1] = share }
        return roots
    }

    /// The candidate PLINK 1.9 keeps: the last whose log-likelihood beats the first's.
    static func chooseRoot(_ candidates: [Double], known: (Double, Double, Double, Double), h: Double,
                           f: (Double, Double, Double, Double), share: Double) -> Double {
        var best = candidates[0]
        guard candidates.count > 1 else { return best }
        let firstLikelihood = logLikelihood(candidates[0], known: known, h: h, f: f, share: share)
        for x in candidates.dropFirst() where logLikelihood(x, known: known, h: h, f: f, share: share) > firstLikelihood {
            best = x
        }
        return best
    }

    /// Log-likelihood of the phased counts when double heterozygotes add x to p11 and p22.
    static func logLikelihood(_ x: Double, known: (Double, Double, Double, Double), h: Double,
                              f: (Double, Double, Double, Double), share: Double) -> Double {
        let p11 = f.0 + x, p22 = f.3 + x
        let p12 = f.1 + (share - x), p21 = f.2 + (share - x)
        var ll = h * log(p11 * p22 + p12 * p21)
        if known.0 != 0 { ll += known.0 * log(p11) }
        if known.1 != 0 { ll += known.1 * log(p12) }
        if known.2 != 0 { ll += known.2 * log(p21) }
        if known.3 != 0 { ll += known.3 * log(p22) }
        return ll
    }
}
