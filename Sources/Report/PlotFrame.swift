import Foundation

/// The frame shared by every plot: an SVG of fixed size with margins, two linear axes with
/// ticks and labels, and a title. Plots draw their marks with `x(_:)`/`y(_:)` inside it.
///
/// Each finished plot is `<svg class="plot" data-plot="KIND" data-marks="N">`, N being the
/// number of data marks drawn (each carries `data-mark`), so a test or a reader can tell an
/// empty plot from a full one without rendering it.
public struct PlotFrame {
    /// Overall size in pixels.
    public let width: Double
    public let height: Double
    /// The data area inside the margins.
    public let left: Double, right: Double, top: Double, bottom: Double
    /// Data → pixel maps.
    public let x: LinearScale
    public let y: LinearScale

    /// A frame of `width` × `height` pixels whose axes span the given data intervals.
    public init(width: Double = 320, height: Double = 260, x xDomain: (Double, Double), y yDomain: (Double, Double)) {
        self.width = width
        self.height = height
        left = 54; right = width - 12; top = 26; bottom = height - 40
        x = LinearScale(lower: xDomain.0, upper: xDomain.1, start: left, end: right)
        y = LinearScale(lower: yDomain.0, upper: yDomain.1, start: bottom, end: top)
    }

    /// Whether a pixel position lies in the data area (marks outside it are not drawn).
    func contains(_ px: Double, _ py: Double) -> Bool {
        px >= left - 0.5 && px <= right + 0.5 && py >= top - 0.5 && py <= bottom + 0.5
    }

    /// Axes with ticks (`xTicks` replaces the numeric x ticks by labelled positions), labels and title.
    func axes(title: String, xLabel: String, yLabel: String, xTicks: [(Double, String)]? = nil) -> String {
        var parts: [String] = []
        parts.append("<rect x=\"\(SVG.px(left))\" y=\"\(SVG.px(top))\" width=\"\(SVG.px(right - left))\" height=\"\(SVG.px(bottom - top))\" fill=\"none\" stroke=\"#888\"/>")
        let xs = xTicks ?? x.ticks(count: 5).map { ($0, SVG.number($0)) }
        for (value, label) in xs {
            let p = x(value)
            parts.append(SVG.line(p, bottom, p, bottom + 4, stroke: "#888"))
            parts.append(SVG.text(label, x: p, y: bottom + 15, size: 10))
        }
        for value in y.ticks(count: 5) {
            let p = y(value)
            parts.append(SVG.line(left - 4, p, left, p, stroke: "#888"))
            parts.append(SVG.text(SVG.number(value), x: left - 6, y: p + 3.5, anchor: "end", size: 10))
        }
        parts.append(SVG.text(xLabel, x: (left + right) / 2, y: height - 8))
        parts.append(SVG.text(yLabel, x: 13, y: (top + bottom) / 2, rotate: true))
        parts.append(SVG.text(title, x: (left + right) / 2, y: 16, size: 12, weight: "600"))
        return parts.joined(separator: "\n")
    }

    /// The whole `<svg>`: the `overlay` (reference lines), the `marks` (each element carrying
    /// `data-mark`, already inside the data area), then the axes.
    func svg(kind: String, title: String, xLabel: String, yLabel: String, marks: [String],
             overlay: [String] = [], xTicks: [(Double, String)]? = nil) -> String {
        """
        <svg class="plot" data-plot="\(SVG.escape(kind))" data-marks="\(marks.count)" xmlns="http://www.w3.org/2000/svg" width="\(SVG.px(width))" height="\(SVG.px(height))" viewBox="0 0 \(SVG.px(width)) \(SVG.px(height))" font-family="sans-serif" role="img" aria-label="\(SVG.escape(title))">
        \(overlay.joined(separator: "\n"))
        \(marks.joined(separator: "\n"))
        \(axes(title: title, xLabel: xLabel, yLabel: yLabel, xTicks: xTicks))
        </svg>
        """
    }

    /// A circle mark.
    func dot(_ px: Double, _ py: Double, radius: Double = 2, color: String) -> String {
        "<circle data-mark=\"\" cx=\"\(SVG.px(px))\" cy=\"\(SVG.px(py))\" r=\"\(SVG.px(radius))\" fill=\"\(color)\"/>"
    }
}

/// Collapses points that fall on the same pixel, so a plot of a million SNPs stays a small file
/// and looks identical: the first point per (rounded) pixel is kept.
struct PixelThinning {
    private var seen = Set<Int64>()

    /// Whether a mark at pixel (x, y) is new.
    mutating func admit(_ x: Double, _ y: Double) -> Bool {
        let key = Int64(x.rounded()) << 32 | Int64(UInt32(truncatingIfNeeded: Int(y.rounded())))
        return seen.insert(key).inserted
    }
}
