import Formats

/// One SNP's hard-call genotypes for a chosen set of individuals, one byte each.
///
/// Codes follow the allele-1 dosage of the `.bim` A1 allele: `0` = hom A1 (two copies),
/// `1` = het, `2` = hom A2, `3` = missing. Pairwise LD and per-SNP QC count these codes,
/// so they need nothing beyond integer tables (no floating-point dosage).
public struct GenotypeCodes: Sendable {
    /// Codes in the order of the individual list they were decoded for.
    public let codes: [UInt8]

    /// `.bed` 2-bit code (index) → our code: 00 hom A1, 01 missing, 10 het, 11 hom A2.
    static let fromBedCode: [UInt8] = [0, 3, 1, 2]

    /// Codes given directly (each 0…3).
    public init(codes: [UInt8]) {
        precondition(codes.allSatisfy { $0 < 4 }, "genotype codes are 0…3")
        self.codes = codes
    }

    /// Decodes SNP `snp` of `bed` for `individuals` (0-based `.fam` rows, in that order).
    public init(bed: PlinkBed, snp: Int, individuals: [Int]) {
        let src = bed.packed(snp: snp)
        var out = [UInt8](repeating: 0, count: individuals.count)
        for (k, i) in individuals.enumerated() {
            out[k] = GenotypeCodes.fromBedCode[Int(src[i >> 2] >> UInt8((i & 3) * 2)) & 3]
        }
        codes = out
    }

    /// Counts of hom A1, het, hom A2 and missing, in that order.
    public var classCounts: (homA1: Int, het: Int, homA2: Int, missing: Int) {
        var c = [0, 0, 0, 0]
        for g in codes { c[Int(g)] += 1 }
        return (c[0], c[1], c[2], c[3])
    }
}
