/// Genotype class counts of one SNP over a set of individuals.
public struct GenotypeCounts: Equatable, Sendable {
    /// Individuals with 0, 1 and 2 copies of allele 1.
    public var zero = 0, one = 0, two = 0
    /// Individuals with a missing genotype.
    public var missing = 0

    public init(zero: Int = 0, one: Int = 0, two: Int = 0, missing: Int = 0) {
        self.zero = zero; self.one = one; self.two = two; self.missing = missing
    }

    /// Individuals with a genotype.
    public var observed: Int { zero + one + two }
    /// Individuals counted.
    public var total: Int { observed + missing }
    /// Frequency of allele 1 among observed genotypes (GEMMA's unfolded "af"); NaN when none observed.
    public var alleleOneFrequency: Double { Double(one + 2 * two) / Double(2 * observed) }
}

/// GEMMA's per-SNP filters, decided on the analysed individuals (lmm_spec.md "Default SNP filters").
///
/// A SNP is dropped when its missing fraction exceeds `maxMissingFraction` (GEMMA `-miss`), when its
/// allele-1 frequency is below `minAlleleFrequency` or above `1 − minAlleleFrequency` (`-maf`), or
/// when only one genotype class is present. The comparisons are strict, as GEMMA's are: a SNP with
/// exactly 5% missing or a frequency of exactly 0.01 is kept (checked against the Debian binary).
public struct SNPFilter: Equatable, Sendable {
    /// Lowest allele frequency kept (either allele).
    public var minAlleleFrequency: Double
    /// Highest missing fraction kept.
    public var maxMissingFraction: Double

    /// GEMMA 0.98.5's defaults: `-maf 0.01 -miss 0.05`.
    public static let gemmaDefault = SNPFilter(minAlleleFrequency: 0.01, maxMissingFraction: 0.05)

    public init(minAlleleFrequency: Double, maxMissingFraction: Double) {
        self.minAlleleFrequency = minAlleleFrequency
        self.maxMissingFraction = maxMissingFraction
    }

    /// Whether a SNP with these counts (over the analysed individuals) is used.
    public func keeps(_ c: GenotypeCounts) -> Bool {
        guard c.total > 0, c.observed > 0 else { return false }
        if Double(c.missing) / Double(c.total) > maxMissingFraction { return false }
        let af = c.alleleOneFrequency
        if af < minAlleleFrequency || af > 1 - minAlleleFrequency { return false }
        if c.zero + c.one == 0 || c.one + c.two == 0 || c.zero + c.two == 0 { return false }
        return true
    }
}
