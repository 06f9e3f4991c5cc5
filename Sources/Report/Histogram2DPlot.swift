import Foundation

/// Counts of (x, y) pairs on a `bins` × `bins` grid over fixed ranges; pairs with a non-finite
/// coordinate or outside the ranges are not counted.
public struct Histogram2D: Equatable, Sendable {
    public let bins: Int
    public let xRange: (Double, Double)
    public let yRange: (Double, Double)
    /// Row-major counts: `counts[yBin * bins + xBin]`, bin 0 at the lower end.
    public let counts: [Int]
    /// Pairs counted.
    public let total: Int

    public init(x: [Double], y: [Double], bins: Int, xRange: (Double, Double), yRange: (Double, Double)) {
        precondition(x.count == y.count && bins > 0)
        var counts = [Int](repeating: 0, count: bins * bins)
        var total = 0
        for (u, v) in zip(x, y) {
            guard let i = Histogram2D.bin(u, xRange, bins), let j = Histogram2D.bin(v, yRange, bins) else { continue }
            counts[j * bins + i] += 1
            total += 1
        }
        self.bins = bins; self.xRange = xRange; self.yRange = yRange; self.counts = counts; self.total = total
    }

    /// The bin of `value` in `range` (the upper end belongs to the last bin), nil outside.
    static func bin(_ value: Double, _ range: (Double, Double), _ bins: Int) -> Int? {
        guard value.isFinite, value >= range.0, value <= range.1, range.1 > range.0 else { return nil }
        return min(Int((value - range.0) / (range.1 - range.0) * Double(bins)), bins - 1)
    }

    public static func == (l: Histogram2D, r: Histogram2D) -> Bool {
        l.bins == r.bins && l.xRange == r.xRange && l.yRange == r.yRange && l.counts == r.counts
    }

    /// A display range for `values`: the 0.5 % and 99.5 % quantiles of the finite values, widened by
    /// 5 %, so a few outliers do not squash the bulk into one cell (the paper's Figure 3 does the same
    /// by eye). Falls back to [−1, 1] without finite values.
    public static func robustRange(_ values: [Double]) -> (Double, Double) {
        let sorted = values.filter(\.isFinite).sorted()
        guard let first = sorted.first, let last = sorted.last else { return (-1, 1) }
        func quantile(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int(q * Double(sorted.count - 1)))] }
        var lo = sorted.count >= 200 ? quantile(0.005) : first
        var hi = sorted.count >= 200 ? quantile(0.995) : last
        if hi <= lo { lo -= 0.5; hi += 0.5 }
        let pad = (hi - lo) * 0.05
        return (lo - pad, hi + pad)
    }
}

/// A 2-D histogram drawn as shaded cells (darker = more pairs, on a square-root scale so sparse
/// tails stay visible): the report's view of two traits' joint distribution.
public enum Histogram2DPlot {
    /// The plot of `histogram` with a title and axis labels; `size` is the side in pixels.
    public static func svg(_ histogram: Histogram2D, title: String, xLabel: String, yLabel: String,
                           size: Double = 240) -> String {
        let frame = PlotFrame(width: size, height: size, x: histogram.xRange, y: histogram.yRange)
        let peak = Double(histogram.counts.max() ?? 0)
        var marks: [String] = []
        let bins = histogram.bins
        let cellWidth = (frame.right - frame.left) / Double(bins), cellHeight = (frame.bottom - frame.top) / Double(bins)
        for j in 0..<bins {
            for i in 0..<bins {
                let count = histogram.counts[j * bins + i]
                guard count > 0 else { continue }
                let shade = Palette.density(0.15 + 0.85 * (Double(count) / peak).squareRoot())
                let x = frame.left + Double(i) * cellWidth, y = frame.bottom - Double(j + 1) * cellHeight
                marks.append("<rect data-mark=\"\" x=\"\(SVG.px(x))\" y=\"\(SVG.px(y))\" width=\"\(SVG.px(cellWidth + 0.3))\" height=\"\(SVG.px(cellHeight + 0.3))\" fill=\"\(shade)\"><title>\(count)</title></rect>")
            }
        }
        return frame.svg(kind: "histogram2d", title: title, xLabel: xLabel, yLabel: yLabel, marks: marks)
    }
}
