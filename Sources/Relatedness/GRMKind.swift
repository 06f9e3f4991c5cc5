/// Which genomic relationship matrix: GEMMA's `-gk 1` or `-gk 2`.
///
/// With `x_c` a SNP's genotypes centred by their mean (missing set to the mean),
/// `centered` is `Σ x_c x_cᵀ / m` and `standardized` divides each `x_c` by its population
/// standard deviation first (method.md §6, lmm_spec.md "Relatedness").
public enum GRMKind: String, CaseIterable, Sendable {
    case centered
    case standardized

    /// GEMMA's file infix: `prefix.cXX.txt` or `prefix.sXX.txt`.
    public var gemmaInfix: String { self == .centered ? "cXX" : "sXX" }

    /// GEMMA's `-gk` number.
    public var gemmaCode: Int { self == .centered ? 1 : 2 }
}
