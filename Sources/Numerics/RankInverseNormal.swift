/// The rank-based inverse normal transform (Blom offsets), the usual way to force one phenotype
/// onto a normal margin: `Φ⁻¹((r − 3/8)/(n + 1/4))` with r the rank among the n observed values,
/// ties sharing their average rank.
public enum RankInverseNormal {
    /// Transforms the non-NaN entries of `x`; NaN stays NaN.
    public static func transform(_ x: [Double]) -> [Double] {
        let observed = x.indices.filter { !x[$0].isNaN }.sorted { x[$0] < x[$1] }
        let n = Double(observed.count)
        var out = [Double](repeating: .nan, count: x.count)
        var start = 0
        while start < observed.count {
            var end = start
            while end + 1 < observed.count && x[observed[end + 1]] == x[observed[start]] { end += 1 }
            let rank = Double(start + end) / 2 + 1
            let z = Distributions.normalQuantile((rank - 0.375) / (n + 0.25))
            for k in start...end { out[observed[k]] = z }
            start = end + 1
        }
        return out
    }
}
