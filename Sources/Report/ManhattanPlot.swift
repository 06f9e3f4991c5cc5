import Foundation

/// One association result for a Manhattan plot.
public struct AssociationPoint: Sendable, Equatable {
    public var chromosome: String
    public var position: Double
    public var p: Double
    public init(chromosome: String, position: Double, p: Double) {
        self.chromosome = chromosome
        self.position = position
        self.p = p
    }
}

/// Manhattan plot: −log10 p along the genome, chromosomes side by side in alternating colours,
/// with the Bonferroni line 0.05 / m (the default index threshold of `gwasflow loci`).
public enum ManhattanPlot {
    /// Chromosome names in genome order: numeric ones by number, then the rest (X, Y, MT, …) by name.
    public static func order(_ names: Set<String>) -> [String] {
        names.sorted { a, b in
            switch (Int(a), Int(b)) {
            case let (x?, y?): return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a < b
            }
        }
    }

    /// The plot of `results` (rows with p outside [0, 1] are ignored).
    public static func svg(_ results: [AssociationPoint], title: String, width: Double = 640, height: Double = 260) -> String {
        let valid = results.filter { $0.p >= 0 && $0.p <= 1 && $0.position.isFinite }
        let chromosomes = order(Set(valid.map(\.chromosome)))
        // Each chromosome gets a span proportional to its extent, with a small gap.
        var extent: [String: (Double, Double)] = [:]
        for r in valid {
            let e = extent[r.chromosome] ?? (r.position, r.position)
            extent[r.chromosome] = (min(e.0, r.position), max(e.1, r.position))
        }
        let lengths = chromosomes.map { max(extent[$0]!.1 - extent[$0]!.0, 1) }
        let gap = max(lengths.reduce(0, +) * 0.01, 1)
        var offset: [String: Double] = [:], ticks: [(Double, String)] = []
        var cursor = 0.0
        for (c, length) in zip(chromosomes, lengths) {
            offset[c] = cursor - extent[c]!.0
            ticks.append((cursor + length / 2, c))
            cursor += length + gap
        }
        let threshold = valid.isEmpty ? 0 : -log10(0.05 / Double(valid.count))
        let yTop = max(valid.map { -log10(max($0.p, Double.leastNormalMagnitude)) }.max() ?? 1, threshold, 1) * 1.08
        let frame = PlotFrame(width: width, height: height, x: (-gap, max(cursor, 1)), y: (0, yTop))
        var thinning = PixelThinning()
        var marks: [String] = []
        let index = Dictionary(uniqueKeysWithValues: chromosomes.enumerated().map { ($0.element, $0.offset) })
        for r in valid {
            let x = frame.x(r.position + offset[r.chromosome]!), y = frame.y(-log10(max(r.p, Double.leastNormalMagnitude)))
            guard frame.contains(x, y), thinning.admit(x, y) else { continue }
            marks.append(frame.dot(x, y, radius: 1.6, color: Palette.color(index[r.chromosome]! % 2)))
        }
        let overlay = valid.isEmpty ? [] : [SVG.line(frame.left, frame.y(threshold), frame.right, frame.y(threshold),
                                                      stroke: "#999", dash: "5 3")]
        // Label at most ~25 chromosomes so the names stay readable.
        let step = max(1, (ticks.count + 24) / 25)
        let shown = ticks.enumerated().filter { $0.offset % step == 0 }.map(\.element)
        return frame.svg(kind: "manhattan", title: title, xLabel: "chromosome", yLabel: "−log10 p",
                         marks: marks, overlay: overlay, xTicks: shown)
    }
}
