import Numerics

extension Matrix where Scalar == Double {
    /// Rows (0-based) with no NaN entry: the individuals with every value of a table present.
    func completeRows() -> [Int] {
        (0..<rows).filter { i in (0..<columns).allSatisfy { !self[i, $0].isNaN } }
    }
}
