import Formats

/// One LD clump: an index SNP and the SNPs it claimed, with PLINK's `.clumped` counts.
public struct Clump: Equatable, Sendable {
    /// `.bim` row (0-based) of the index SNP.
    public var index: Int
    /// Its identifier, chromosome, position and p-value.
    public var id: String
    public var chromosome: String
    public var position: Int
    public var p: Double
    /// `.bim` rows of the members (p < p2, |r²| > r2, not already clumped), in sorted
    /// genome order: PLINK's SP2 list.
    public var members: [Int]
    /// SNPs in LD with the index (members or not) by p-value class: p ≥ 0.05, [0.01, 0.05),
    /// [0.001, 0.01), [1e-4, 0.001), < 1e-4 — PLINK's NSIG, S05, S01, S001, S0001.
    public var histogram: [Int]
    /// Lowest and highest position of index and members.
    public var firstPosition: Int
    public var lastPosition: Int

    /// All SNPs in LD with the index that appear in the association file (PLINK's TOTAL).
    public var total: Int { histogram.reduce(0, +) }
    /// Distance spanned by index and members, in kilobases.
    public var spanKB: Double { Double(lastPosition - firstPosition) / 1000 }

    /// The histogram class of a p-value (0 = NSIG … 4 = S0001).
    static func pClass(_ p: Double) -> Int {
        if p < 0.001 { return p < 0.0001 ? 4 : 3 }
        if p < 0.01 { return 2 }
        return p < 0.05 ? 1 : 0
    }
}
