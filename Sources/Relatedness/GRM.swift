import Numerics

/// A genomic relationship matrix over n individuals, with the number of SNPs it averages.
///
/// `matrix` is the full symmetric n × n matrix in Double. Row order is the order of the
/// individuals it was built for (the `.fam` order, or the `--keep` subset in `.fam` order).
public struct GRM {
    /// The n × n symmetric matrix.
    public var matrix: Matrix<Double>
    /// Number of SNPs averaged (GEMMA's divisor); 0 when unknown (a matrix read from GEMMA text).
    public var snpCount: Int

    public init(matrix: Matrix<Double>, snpCount: Int) {
        precondition(matrix.rows == matrix.columns, "a GRM is square")
        self.matrix = matrix
        self.snpCount = snpCount
    }

    /// Number of individuals.
    public var count: Int { matrix.rows }
}

/// An unnormalised GRM: `Σ x xᵀ` over some SNPs, and how many.
///
/// Partial sums over disjoint SNP sets add (`merged`) to the sum over their union, so a GRM can be
/// computed in pieces (`--part I/N`) and merged; `grm` divides by the SNP count at the end.
public struct GRMPartialSum {
    /// `Σ x xᵀ` over the SNPs used, full symmetric.
    public var sum: Matrix<Double>
    /// Number of SNPs in the sum.
    public var snpCount: Int
    /// The kind of every term.
    public var kind: GRMKind

    public init(sum: Matrix<Double>, snpCount: Int, kind: GRMKind) {
        self.sum = sum
        self.snpCount = snpCount
        self.kind = kind
    }

    /// The sum of two partial sums over disjoint SNP sets for the same individuals and kind.
    public func merged(with other: GRMPartialSum) -> GRMPartialSum {
        precondition(other.sum.rows == sum.rows && other.kind == kind, "merging partial GRMs of different shape or kind")
        var out = self
        out.snpCount += other.snpCount
        out.sum.storage.withUnsafeMutableBufferPointer { a in
            other.sum.storage.withUnsafeBufferPointer { b in
                for k in 0..<a.count { a[k] += b[k] }
            }
        }
        return out
    }

    /// The GRM: the sum divided by the SNP count (all zeros when no SNP was used).
    public var grm: GRM { let copy = self; return copy.normalized() }

    /// The GRM, dividing this sum in place (no second n × n matrix when the sum is not used after).
    public consuming func normalized() -> GRM {
        if snpCount > 0 {
            let scale = 1 / Double(snpCount)
            sum.storage.withUnsafeMutableBufferPointer { p in for k in 0..<p.count { p[k] *= scale } }
        }
        return GRM(matrix: sum, snpCount: snpCount)
    }
}
