import Foundation

/// A fixed non-linear map from a trait's latent Gaussian value to its observed value.
///
/// Some maps also read another trait's latent value (its `partner`), which makes the joint
/// distribution of the observed traits non-Gaussian even where each latent is Gaussian.
public enum TraitMap: Equatable, Sendable {
    /// y = exp(location + scale · x): right-skewed (log-normal), like TSH.
    case logNormal(location: Double, scale: Double)
    /// y = center + scale · x + bend · (x_partner² − 1) / √2: a crescent-shaped joint
    /// distribution with the partner trait, like FT4 against TSH.
    case crescent(partner: Int, center: Double, scale: Double, bend: Double)
    /// y = center · exp(scale · sinh(tail · asinh(x))): positive, with heavy tails on the log scale
    /// for tail > 1 (sinh–arcsinh), so a log transform does not make it Gaussian; like T3.
    case heavyTailed(center: Double, scale: Double, tail: Double)
    /// y = center · exp(scale · x · exp(spread · x_partner)): skewed, with a spread that grows with
    /// the partner's latent value (heteroscedastic dependence), like cortisol.
    case heteroscedastic(partner: Int, center: Double, scale: Double, spread: Double)
    /// y = x.
    case identity

    /// The observed value of trait `column` given the latent values of all traits of that individual.
    public func apply(_ latent: [Double], column: Int) -> Double {
        let x = latent[column]
        switch self {
        case let .logNormal(location, scale):
            return exp(location + scale * x)
        case let .crescent(partner, center, scale, bend):
            let z = latent[partner]
            return center + scale * x + bend * (z * z - 1) / 2.0.squareRoot()
        case let .heavyTailed(center, scale, tail):
            return center * exp(scale * sinh(tail * asinh(x)))
        case let .heteroscedastic(partner, center, scale, spread):
            return center * exp(scale * x * exp(spread * latent[partner]))
        case .identity:
            return x
        }
    }

    /// The partner trait read by this map, if any.
    public var partner: Int? {
        switch self {
        case let .crescent(partner, _, _, _), let .heteroscedastic(partner, _, _, _): return partner
        default: return nil
        }
    }

    /// A short description for the truth file.
    public var summary: String {
        switch self {
        case let .logNormal(l, s): return "lognormal(\(l),\(s))"
        case let .crescent(p, c, s, b): return "crescent(partner=\(p + 1),\(c),\(s),\(b))"
        case let .heavyTailed(c, s, t): return "heavytailed(\(c),\(s),\(t))"
        case let .heteroscedastic(p, c, s, sp): return "heteroscedastic(partner=\(p + 1),\(c),\(s),\(sp))"
        case .identity: return "identity"
        }
    }

    /// Hormone-like maps for `count` traits, in groups of four: a log-normal trait (TSH-like,
    /// mIU/L), one crescent-shaped against it (FT4-like, pmol/L), a heavy-tailed one (T3-like,
    /// nmol/L) and a skewed heteroscedastic one whose spread follows the first (cortisol-like, nmol/L).
    public static func hormonal(count: Int) -> [TraitMap] {
        (0..<count).map { t in
            let first = t - t % 4
            switch t % 4 {
            case 0: return .logNormal(location: 0.4, scale: 0.5)
            case 1: return .crescent(partner: first, center: 16, scale: 2, bend: 1.5)
            case 2: return .heavyTailed(center: 1.8, scale: 0.15, tail: 1.6)
            default: return .heteroscedastic(partner: first, center: 300, scale: 0.3, spread: 0.3)
            }
        }
    }
}
