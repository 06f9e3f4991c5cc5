import Foundation

/// Lines with dots for a few series against a common x axis (λ per stage, loss per epoch).
/// The legend is returned separately, as HTML, so the plot area holds data marks only.
public enum LinePlot {
    /// The plot of `series` (points with non-finite coordinates are skipped). The y range is
    /// `yRange(_:)` of the values, so a first epoch far above the rest does not flatten the curve;
    /// values beyond it are drawn at the edge.
    public static func svg(_ series: [Series], title: String, xLabel: String, yLabel: String,
                           width: Double = 320, height: Double = 240) -> String {
        let points = series.flatMap { $0.points }.filter { $0.x.isFinite && $0.y.isFinite }
        let frame = PlotFrame(width: width, height: height, x: LinearScale.extent(points.map(\.x)),
                              y: yRange(points.map(\.y)))
        func y(_ value: Double) -> Double { frame.y(min(max(value, frame.y.lower), frame.y.upper)) }
        var marks: [String] = []
        for (k, s) in series.enumerated() {
            let finite = s.points.filter { $0.x.isFinite && $0.y.isFinite }
            if finite.count >= 2 {
                let path = finite.map { "\(SVG.px(frame.x($0.x))),\(SVG.px(y($0.y)))" }.joined(separator: " ")
                marks.append("<polyline data-mark=\"\" points=\"\(path)\" fill=\"none\" stroke=\"\(Palette.color(k))\" stroke-width=\"1.8\"/>")
            }
            if finite.count <= 60 {
                marks += finite.map { frame.dot(frame.x($0.x), y($0.y), radius: 2.6, color: Palette.color(k)) }
            }
        }
        return frame.svg(kind: "line", title: title, xLabel: xLabel, yLabel: yLabel, marks: marks)
    }

    /// The values' extent (padded by 8 %), except that an upper tail far from the bulk is cut at
    /// the 90th percentile plus three times the 10–90 % spread (training losses start high).
    static func yRange(_ values: [Double]) -> (Double, Double) {
        let sorted = values.filter(\.isFinite).sorted()
        guard sorted.count >= 5 else { return LinearScale.extent(sorted, padding: 0.08) }
        let q10 = sorted[sorted.count / 10], q90 = sorted[(sorted.count * 9) / 10]
        let cap = q90 + 3 * max(q90 - q10, 1e-12 * abs(q90))
        return LinearScale.extent(sorted.filter { $0 <= cap }, padding: 0.08)
    }

    /// An HTML legend naming each series in its colour.
    public static func legend(_ names: [String]) -> String {
        names.enumerated().map { "<span class=\"key\"><span class=\"swatch\" style=\"background:\(Palette.color($0.offset))\"></span>\(SVG.escape($0.element))</span>" }
            .joined(separator: " ")
    }
}
