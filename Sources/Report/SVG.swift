import Foundation

/// Small helpers for writing SVG and HTML text by hand: escaping and compact number formatting.
///
/// The report is plain text assembled from these pieces, so it has no dependency beyond
/// Foundation and opens in any browser without scripts or network access.
public enum SVG {
    /// `text` with the five XML special characters escaped, safe inside elements and attribute values.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    /// A pixel coordinate with one decimal (plenty at screen resolution, and keeps the file small).
    public static func px(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(format: "%.1f", rounded)
    }

    /// A value for an axis tick or a table: up to 4 significant digits, scientific when very large or small.
    public static func number(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NA" : (value > 0 ? "inf" : "-inf") }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e5 || magnitude < 1e-3 { return String(format: "%.3g", value) }
        var text = String(format: "%.4g", value)
        if text.contains("e") { return text }
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }

    /// A `<text>` element.
    static func text(_ content: String, x: Double, y: Double, anchor: String = "middle", size: Double = 11,
                     rotate: Bool = false, weight: String? = nil) -> String {
        let transform = rotate ? " transform=\"rotate(-90 \(px(x)) \(px(y)))\"" : ""
        let bold = weight.map { " font-weight=\"\($0)\"" } ?? ""
        return "<text x=\"\(px(x))\" y=\"\(px(y))\" text-anchor=\"\(anchor)\" font-size=\"\(px(size))\"\(bold)\(transform)>\(escape(content))</text>"
    }

    /// A `<line>` element.
    static func line(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1,
                     dash: String? = nil) -> String {
        let dashed = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        return "<line x1=\"\(px(x1))\" y1=\"\(px(y1))\" x2=\"\(px(x2))\" y2=\"\(px(y2))\" stroke=\"\(stroke)\" stroke-width=\"\(px(width))\"\(dashed)/>"
    }
}

/// Colours of the report: one per data series, chosen to stay distinct in print and for the
/// common colour-vision deficiencies (Okabe–Ito). Axes and text are grey or black, so any
/// saturated pixel in a plot is data.
public enum Palette {
    /// Series colours in order of use.
    public static let series = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]

    /// The colour of series `index` (cycling).
    public static func color(_ index: Int) -> String { series[index % series.count] }

    /// Sequential blue for density cells: `fraction` in [0, 1] from light to dark.
    public static func density(_ fraction: Double) -> String {
        let t = min(max(fraction, 0), 1)
        // From a light blue (198, 219, 239) to a dark blue (8, 48, 107).
        let r = Int((198 + (8 - 198) * t).rounded()), g = Int((219 + (48 - 219) * t).rounded()),
            b = Int((239 + (107 - 239) * t).rounded())
        return String(format: "#%02X%02X%02X", r, g, b)
    }
}
