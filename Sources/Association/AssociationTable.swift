import Foundation
import Formats
import Numerics

/// GEMMA 0.98.5's `.assoc.txt` layout for the score test (`-lmm 3`), tab separated:
///
/// - univariate: `chr rs ps n_miss allele1 allele0 af beta se p_score`;
/// - multivariate (d traits): `chr rs ps n_miss allele1 allele0 af beta_1 … beta_d Vbeta_1_1 Vbeta_1_2 …
///   Vbeta_d_d p_score` (the upper triangle of Vbeta row by row).
///
/// `af` is printed as `%.3f`, every other number as `%.6e`, as GEMMA does. A p-value below the
/// smallest normal Double (GEMMA would print 0) is printed from its logarithm, e.g. `3.162278e-412`.
public struct AssociationTable {
    /// Number of traits (1: the univariate layout).
    public let traits: Int
    /// The file text so far.
    public private(set) var bytes: [UInt8] = []
    private var buffer = [CChar](repeating: 0, count: 64)

    /// An empty table for `traits` traits, starting with the header line unless `header` is false
    /// (rows formatted apart, e.g. on several threads, and joined with `append(rowsOf:)`).
    public init(traits: Int, header: Bool = true) {
        self.traits = traits
        guard header else { return }
        var names = ["chr", "rs", "ps", "n_miss", "allele1", "allele0", "af"]
        if traits == 1 {
            names += ["beta", "se"]
        } else {
            names += (1...traits).map { "beta_\($0)" }
            for i in 1...traits { for j in i...traits { names.append("Vbeta_\(i)_\(j)") } }
        }
        names.append("p_score")
        bytes.append(contentsOf: Array((names.joined(separator: "\t") + "\n").utf8))
    }

    /// Appends one SNP's row.
    public mutating func append(variant: BimRecord, snp: TestedSNP, result: ScoreResult) {
        for text in [variant.chromosome, variant.id, String(variant.position), String(snp.missing), variant.allele1, variant.allele2] {
            bytes.append(contentsOf: text.utf8)
            bytes.append(9)
        }
        format("%.3f", snp.alleleFrequency)
        bytes.append(9)
        if traits == 1 {
            format("%.6e", result.beta[0]); bytes.append(9)
            format("%.6e", result.standardError); bytes.append(9)
        } else {
            for b in result.beta { format("%.6e", b); bytes.append(9) }
            for i in 0..<traits { for j in i..<traits { format("%.6e", result.betaCovariance[i, j]); bytes.append(9) } }
        }
        appendPValue(logP: result.logP)
        bytes.append(10)
    }

    /// Appends the rows of a table made with `header: false`.
    public mutating func append(rowsOf other: AssociationTable) {
        precondition(other.traits == traits, "tables for \(other.traits) and \(traits) traits")
        bytes.append(contentsOf: other.bytes)
    }

    private mutating func format(_ pattern: String, _ value: Double) {
        if value.isNaN { bytes.append(contentsOf: Array("nan".utf8)); return }
        let count = buffer.withUnsafeMutableBufferPointer { b in
            withVaList([value]) { Int(vsnprintf(b.baseAddress!, 64, pattern, $0)) }
        }
        buffer.withUnsafeBufferPointer { b in
            for k in 0..<min(count, 63) { bytes.append(UInt8(bitPattern: b[k])) }
        }
    }

    /// `%.6e` of `exp(logP)`, computed from the logarithm when the value is not a normal Double.
    private mutating func appendPValue(logP: Double) {
        if logP.isNaN { bytes.append(contentsOf: Array("nan".utf8)); return }
        let p = exp(logP)
        if p >= Double.leastNormalMagnitude { format("%.6e", p); return }
        if logP == -.infinity { format("%.6e", 0); return }
        let log10p = logP / M_LN10
        var exponent = floor(log10p)
        var mantissa = pow(10, log10p - exponent)
        if (mantissa * 1e6).rounded() >= 1e7 { mantissa /= 10; exponent += 1 }
        format("%.6f", mantissa)
        bytes.append(contentsOf: Array("e\(Int(exponent))".utf8))
    }
}

/// Genomic control: `λ_GC = median(χ²₁ quantile of each p) / 0.454936…` (the χ²₁ median).
public enum GenomicControl {
    /// The median of χ²(1).
    public static let chiSquareMedian = 0.45493642311957283

    /// λ_GC from natural-log p-values (NaNs skipped); nil when there are none.
    public static func lambda(logP: [Double]) -> Double? {
        let sorted = logP.filter { !$0.isNaN }.sorted()
        guard !sorted.isEmpty else { return nil }
        let m = sorted.count
        let medianLogP = m % 2 == 1 ? sorted[m / 2] : 0.5 * (sorted[m / 2 - 1] + sorted[m / 2])
        return chiSquareQuantile(upperLogP: medianLogP) / chiSquareMedian
    }

    /// The x with `log P(χ²₁ > x) = logP`, by bisection on a bracket that always holds it.
    static func chiSquareQuantile(upperLogP logP: Double) -> Double {
        if logP >= 0 { return 0 }
        var low = 0.0, high = 1.0
        while TailProbability.logChiSquareUpper(high, degrees: 1) > logP { high *= 2 }
        for _ in 0..<200 {
            let mid = 0.5 * (low + high)
            if TailProbability.logChiSquareUpper(mid, degrees: 1) > logP { low = mid } else { high = mid }
            if high - low <= 1e-14 * high { break }
        }
        return 0.5 * (low + high)
    }
}
