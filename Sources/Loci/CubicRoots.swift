import Foundation

/// Real roots of the monic cubic x³ + a x² + b x + c, the closed form PLINK 1.9 uses for
/// two-SNP haplotype phasing (so our estimates follow the same branch choices).
///
/// Trigonometric form when the discriminant gives three real roots (q³ > r²), Cardano
/// otherwise, with q = (a² − 3b)/9 and r = (2a³ − 9ab + 27c)/54. Roots closer than
/// 2⁻³⁰ are reported once; a double root in the Cardano branch is detected with a
/// tolerance of 2⁻²⁷. Roots come back in increasing order.
enum CubicRoots {
    static let tolerance = 0x1p-30

    static func solve(a: Double, b: Double, c: Double) -> [Double] {
        let a2 = a * a
        let q = (a2 - 3 * b) * (1.0 / 9.0)
        let r = (2 * a2 * a - 9 * a * b + 27 * c) * (1.0 / 54.0)
        let r2 = r * r
        let q3 = q * q * q
        let aThird = a * (1.0 / 3.0)
        if r2 < q3 {
            let sq = sqrt(q)
            let theta = acos(r / (q * sq)) * (1.0 / 3.0)
            let scale = -2 * sq
            var roots = [scale * cos(theta) - aThird,
                         scale * cos(theta + (2.0 * Double.pi / 3.0)) - aThird,
                         scale * cos(theta - (2.0 * Double.pi / 3.0)) - aThird]
            roots.sort()
            if roots[1] - roots[0] < tolerance {
                return roots[2] - roots[0] < tolerance ? [roots[0]] : [roots[0], roots[2]]
            }
            return roots[2] - roots[1] < tolerance ? [roots[0], roots[1]] : roots
        }
        var u = -pow(abs(r) + sqrt(r2 - q3), 1.0 / 3.0)
        if u == 0 { return [-aThird] }
        if r < 0 { u = -u }
        let v = q / u
        let single = u + v - aThird
        if abs(u - v) >= tolerance * 8 { return [single] }
        // u ≈ v: a double root at −u − a/3 beside the simple one.
        let double = -u - aThird
        return u >= 0 ? [double, single] : [single, double]
    }
}
