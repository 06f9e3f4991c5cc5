import Foundation

/// Exact test of Hardy–Weinberg equilibrium (Wigginton, Cutler & Abecasis 2005), the test
/// behind PLINK's `--hardy` and `--hwe`.
///
/// Given n genotyped individuals carrying r copies of the rarer allele, the number of
/// heterozygotes h has, under HWE, P(h) = n! r! (2n − r)! 2^h / (h! a! b! (2n)!) with
/// a = (r − h)/2 rare and b = n − h − a common homozygotes. The p-value is the total
/// probability of all h (same parity as r) no more likely than the observed one. We walk
/// the recursion P(h + 2)/P(h) = 4ab / ((h + 2)(h + 1)) in log space from the observed
/// count outwards, so neither overflow nor underflow occurs; probabilities within a relative
/// 10⁻¹² of the observed one count as ties (inside the tail), as in PLINK.
public enum HardyWeinberg {
    /// Two-sided exact p-value for the genotype counts; 1 when nobody is genotyped.
    public static func exactP(hets: Int, homA1: Int, homA2: Int) -> Double {
        let rareHom = min(homA1, homA2), commonHom = max(homA1, homA2)
        let n = hets + rareHom + commonHom
        if n == 0 { return 1 }
        // log P(h) − log P(observed) for every admissible h, by the ratio recursion.
        var a = Double(rareHom), b = Double(commonHom), h = Double(hets)
        var downward: [Double] = []
        var l = 0.0
        while a > 0.5 {   // towards more heterozygotes
            l += log(4 * a * b) - log((h + 2) * (h + 1))
            h += 2; a -= 1; b -= 1
            downward.append(l)
        }
        a = Double(rareHom); b = Double(commonHom); h = Double(hets); l = 0
        var upward: [Double] = []
        while h > 1.5 {   // towards fewer heterozygotes
            a += 1; b += 1
            l += log(h * (h - 1)) - log(4 * a * b)
            h -= 2
            upward.append(l)
        }
        let logRelative = upward.reversed() + [0] + downward
        let top = logRelative.max()!
        let tieTolerance = 1e-12
        var tail = 0.0, total = 0.0
        for v in logRelative {
            let w = exp(v - top)
            total += w
            if v <= tieTolerance { tail += w }
        }
        return min(1, tail / total)
    }
}
