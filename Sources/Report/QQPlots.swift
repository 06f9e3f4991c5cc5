import Foundation
import Numerics

/// One named set of values drawn in one colour.
public struct Series: Sendable {
    public var name: String
    public var points: [(x: Double, y: Double)]
    public init(name: String, points: [(x: Double, y: Double)]) {
        self.name = name
        self.points = points
    }
}

/// Quantile–quantile plot of samples against the standard normal: a trait that is N(0, 1) lies on
/// the diagonal. Several samples (e.g. a trait before and after normalization) share one plot.
public enum NormalQQPlot {
    /// The (theoretical, sample) pairs of `values`: sorted finite values against Φ⁻¹((i − ½)/n).
    public static func points(_ values: [Double]) -> [(x: Double, y: Double)] {
        let sorted = values.filter(\.isFinite).sorted()
        let n = Double(sorted.count)
        return sorted.enumerated().map { (Distributions.normalQuantile((Double($0.offset) + 0.5) / n), $0.element) }
    }

    /// The plot; `samples` are (name, values) drawn in palette order.
    public static func svg(samples: [(name: String, values: [Double])], title: String, size: Double = 240) -> String {
        let series = samples.map { Series(name: $0.name, points: points($0.values)) }
        let all = series.flatMap { $0.points }
        let (lo, hi) = LinearScale.extent(all.map(\.x) + all.map(\.y))
        let frame = PlotFrame(width: size, height: size, x: (lo, hi), y: (lo, hi))
        let overlay = [SVG.line(frame.x(lo), frame.y(lo), frame.x(hi), frame.y(hi), stroke: "#999", dash: "4 3")]
        return frame.svg(kind: "qq-normal", title: title, xLabel: "N(0, 1) quantile", yLabel: "sample quantile",
                         marks: dots(series, frame), overlay: overlay)
    }

    /// Dots of every series, one per occupied pixel.
    static func dots(_ series: [Series], _ frame: PlotFrame, radius: Double = 1.8) -> [String] {
        var marks: [String] = []
        for (k, s) in series.enumerated() {
            var thinning = PixelThinning()
            for point in s.points {
                let x = frame.x(point.x), y = frame.y(point.y)
                guard frame.contains(x, y), thinning.admit(x, y) else { continue }
                marks.append(frame.dot(x, y, radius: radius, color: Palette.color(k)))
            }
        }
        return marks
    }
}

/// QQ plot of association p-values against the uniform: −log10 of the expected order statistics
/// (i − ½)/m on x, observed −log10 p on y; the title carries the genomic-control λ.
public enum PValueQQPlot {
    /// Genomic-control λ: median of the χ²(1) statistics the p-values imply, over its null median 0.4549.
    public static func lambdaGC(_ pValues: [Double]) -> Double {
        let chi2 = pValues.filter { $0 > 0 && $0 <= 1 }.map { p -> Double in
            let z = Distributions.normalQuantile(p / 2)
            return z * z
        }.sorted()
        guard !chi2.isEmpty else { return .nan }
        let mid = chi2.count / 2
        let median = chi2.count % 2 == 1 ? chi2[mid] : (chi2[mid - 1] + chi2[mid]) / 2
        return median / 0.45493642311957283
    }

    /// The plot of `pValues` (values outside (0, 1] are ignored; p = 0 is drawn at the top).
    public static func svg(pValues: [Double], title: String, size: Double = 260) -> String {
        let valid = pValues.filter { $0 >= 0 && $0 <= 1 }.sorted()
        let m = Double(valid.count)
        let smallest = Double.leastNormalMagnitude
        let points = valid.enumerated().map { (x: -log10((Double($0.offset) + 0.5) / m), y: -log10(max($0.element, smallest))) }
        let top = max(points.map(\.y).max() ?? 1, points.map(\.x).max() ?? 1, 1) * 1.05
        let frame = PlotFrame(width: size, height: size, x: (0, (points.map(\.x).max() ?? 1) * 1.05), y: (0, top))
        let diagonalEnd = min(frame.x.upper, frame.y.upper)
        let overlay = [SVG.line(frame.x(0), frame.y(0), frame.x(diagonalEnd), frame.y(diagonalEnd), stroke: "#999", dash: "4 3")]
        let lambda = lambdaGC(valid)
        let fullTitle = lambda.isFinite ? "\(title) (λGC = \(String(format: "%.3f", lambda)))" : title
        return frame.svg(kind: "qq-p", title: fullTitle, xLabel: "expected −log10 p", yLabel: "observed −log10 p",
                         marks: NormalQQPlot.dots([Series(name: title, points: points)], frame), overlay: overlay)
    }
}
