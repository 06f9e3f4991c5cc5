import Foundation

/// Lines with dots for a few series against a common x axis (λ per stage, loss per epoch).
/// The legend is returned separately, as HTML, so the plot area holds data marks only.
public enum LinePlot {
    /// The plot of `series` (points with non-finite coordinates are skipped).
    public static func svg(_ series: [Series], title: String, xLabel: String, yLabel: String,
                           width: Double = 320, height: Double = 240) -> String {
        let points = series.flatMap { $0.points }.filter { $0.x.isFinite && $0.y.isFinite }
        let frame = PlotFrame(width: width, height: height, x: LinearScale.extent(points.map(\.x)),
                              y: LinearScale.extent(points.map(\.y), padding: 0.08))
        var marks: [String] = []
        for (k, s) in series.enumerated() {
            let finite = s.points.filter { $0.x.isFinite && $0.y.isFinite }
            if finite.count >= 2 {
                let path = finite.map { "\(SVG.px(frame.x($0.x))),\(SVG.px(frame.y($0.y)))" }.joined(separator: " ")
                marks.append("<polyline data-mark=\"\" points=\"\(path)\" fill=\"none\" stroke=\"\(Palette.color(k))\" stroke-width=\"1.8\"/>")
            }
            if finite.count <= 60 {
                marks += finite.map { frame.dot(frame.x($0.x), frame.y($0.y), radius: 2.6, color: Palette.color(k)) }
            }
        }
        return frame.svg(kind: "line", title: title, xLabel: xLabel, yLabel: yLabel, marks: marks)
    }

    /// An HTML legend naming each series in its colour.
    public static func legend(_ names: [String]) -> String {
        names.enumerated().map { "<span class=\"key\"><span class=\"swatch\" style=\"background:\(Palette.color($0.offset))\"></span>\(SVG.escape($0.element))</span>" }
            .joined(separator: " ")
    }
}
