import Foundation

/// A linear map from a data interval to a pixel interval, with "nice" tick values (1, 2 or 5 × 10^k).
public struct LinearScale: Equatable, Sendable {
    /// Data interval, `lower < upper`.
    public let lower: Double
    public let upper: Double
    /// Pixel positions of `lower` and `upper` (`end < start` for a y axis pointing up).
    public let start: Double
    public let end: Double

    /// A scale over `[lower, upper]`; an empty or non-finite interval is widened so the map is defined.
    public init(lower: Double, upper: Double, start: Double, end: Double) {
        var lo = lower.isFinite ? lower : 0, hi = upper.isFinite ? upper : 1
        if hi < lo { swap(&lo, &hi) }
        if hi - lo < 1e-12 * max(1, abs(lo)) {
            let pad = max(abs(lo) * 0.1, 0.5)
            lo -= pad; hi += pad
        }
        self.lower = lo; self.upper = hi; self.start = start; self.end = end
    }

    /// The pixel position of `value`.
    public func callAsFunction(_ value: Double) -> Double {
        start + (value - lower) / (upper - lower) * (end - start)
    }

    /// About `count` tick values inside the interval, at multiples of a 1-2-5 step.
    public func ticks(count: Int = 5) -> [Double] {
        let step = LinearScale.niceStep((upper - lower) / Double(max(count, 1)))
        let first = (lower / step).rounded(.up) * step
        var ticks: [Double] = []
        var k = 0
        while true {
            let value = first + Double(k) * step
            if value > upper + step * 1e-9 { break }
            ticks.append(abs(value) < step * 1e-9 ? 0 : value)
            k += 1
        }
        return ticks
    }

    /// The 1, 2 or 5 × 10^k at or above `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        let power = pow(10, (log10(raw)).rounded(.down))
        let fraction = raw / power
        let nice: Double = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        return nice * power
    }

    /// The smallest interval containing the finite `values`, padded by `padding` of its width on each side.
    public static func extent(_ values: [Double], padding: Double = 0.04) -> (Double, Double) {
        var lo = Double.infinity, hi = -Double.infinity
        for v in values where v.isFinite {
            lo = min(lo, v); hi = max(hi, v)
        }
        guard lo <= hi else { return (0, 1) }
        let pad = (hi - lo) * padding
        return (lo - pad, hi + pad)
    }
}
