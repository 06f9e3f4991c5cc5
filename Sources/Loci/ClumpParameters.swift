/// Thresholds of LD clumping, named as PLINK 1.9's `--clump-*` flags.
public struct ClumpParameters: Equatable, Sendable {
    /// Index SNPs need p ≤ p1 (`--clump-p1`).
    public var p1: Double
    /// Clump members need p < p2 (`--clump-p2`).
    public var p2: Double
    /// Members need |r²| > r2 with the index SNP (`--clump-r2`).
    public var r2: Double
    /// Members lie within this many kilobases of the index SNP (`--clump-kb`).
    public var kb: Double

    /// PLINK 1.9's defaults: p1 1e-4, p2 0.01, r² 0.5, 250 kb.
    public static let plinkDefaults = ClumpParameters(p1: 1e-4, p2: 0.01, r2: 0.5, kb: 250)

    public init(p1: Double, p2: Double, r2: Double, kb: Double) {
        self.p1 = p1; self.p2 = p2; self.r2 = r2; self.kb = kb
    }

    /// The paper's loci definition: p1 = 0.05 / tested SNPs, p2 0.01, r² 0.1, 250 kb.
    public static func bonferroni(testedSNPs: Int) -> ClumpParameters {
        ClumpParameters(p1: 0.05 / Double(max(testedSNPs, 1)), p2: 0.01, r2: 0.1, kb: 250)
    }

    /// Largest base-pair distance inside the window, as PLINK computes it from `--clump-kb`:
    /// ⌊1000 kb (1 + 2⁻⁴⁴)⌋ − 1, so 250 kb admits SNPs at most 249,999 bp away.
    public var radiusBP: Int {
        let bp = kb * 1000
        if bp > 2147483647 { return 0x7ffffffe }
        return Int(bp * (1 + 0x1p-44) - 1)
    }
}
