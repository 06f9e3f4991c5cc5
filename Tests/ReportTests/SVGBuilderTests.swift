import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Numerics
import XCTest
@testable import Report

/// The SVG builders: scales, quantiles, histograms, and that every plot is well-formed XML with
/// one `data-mark` element per drawn mark and `data-marks` saying how many.
final class SVGBuilderTests: XCTestCase {
    /// Parses `svg` as XML and returns the root element (fails the test when malformed).
    private func parse(_ svg: String, file: StaticString = #filePath, line: UInt = #line) throws -> XMLElement {
        // Without the default namespace, so attributes are found by plain name (FoundationXML on Linux).
        let plain = svg.replacingOccurrences(of: " xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        XCTAssertNotEqual(plain, svg, "the svg must declare the SVG namespace", file: file, line: line)
        let document = try XMLDocument(xmlString: plain, options: [])
        let root = try XCTUnwrap(document.rootElement(), file: file, line: line)
        XCTAssertEqual(root.name, "svg", file: file, line: line)
        return root
    }

    /// Elements carrying `data-mark`, anywhere below `root`.
    private func marks(_ root: XMLElement) -> [XMLElement] {
        var found: [XMLElement] = []
        func visit(_ e: XMLElement) {
            if e.attribute(forName: "data-mark") != nil { found.append(e) }
            for child in e.children ?? [] { if let c = child as? XMLElement { visit(c) } }
        }
        visit(root)
        return found
    }

    private func declaredMarks(_ root: XMLElement) -> Int? {
        root.attribute(forName: "data-marks")?.stringValue.flatMap { Int($0) }
    }

    func testEscapeAndNumbers() {
        XCTAssertEqual(SVG.escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;")
        XCTAssertEqual(SVG.number(0.25), "0.25")
        XCTAssertEqual(SVG.number(2), "2")
        XCTAssertEqual(SVG.number(1e-8), "1e-08")
        XCTAssertEqual(SVG.number(.nan), "NA")
        XCTAssertEqual(SVG.px(12.345), "12.3")
        XCTAssertEqual(SVG.px(12.0), "12")
    }

    func testLinearScaleMapsEndsAndPicksNiceTicks() {
        let scale = LinearScale(lower: -0.3, upper: 7.9, start: 50, end: 250)
        XCTAssertEqual(scale(-0.3), 50, accuracy: 1e-12)
        XCTAssertEqual(scale(7.9), 250, accuracy: 1e-12)
        XCTAssertEqual(scale.ticks(count: 5), [0, 2, 4, 6])
        let tiny = LinearScale(lower: 0.00012, upper: 0.00058, start: 0, end: 1)
        for t in tiny.ticks() {
            XCTAssertTrue(t >= tiny.lower && t <= tiny.upper)
            XCTAssertEqual((t / 0.0001).rounded(), t / 0.0001, accuracy: 1e-9)
        }
        // A degenerate interval is widened rather than dividing by zero.
        let flat = LinearScale(lower: 3, upper: 3, start: 0, end: 100)
        XCTAssertTrue(flat(3).isFinite)
        XCTAssertLessThan(flat.lower, 3)
        XCTAssertGreaterThan(flat.upper, 3)
    }

    func testLambdaGCOfNullAndInflatedPValues() {
        // p-values at the uniform quantiles give λ = 1; statistics inflated by 1.3 give λ = 1.3.
        let m = 20_001
        let uniform = (0..<m).map { (Double($0) + 0.5) / Double(m) }
        XCTAssertEqual(PValueQQPlot.lambdaGC(uniform), 1, accuracy: 1e-3)
        let inflated = uniform.map { p -> Double in
            let z = Distributions.normalQuantile(p / 2), chi2 = 1.3 * z * z
            return erfc((chi2 / 2).squareRoot())   // upper tail of χ²(1)
        }
        XCTAssertEqual(PValueQQPlot.lambdaGC(inflated), 1.3, accuracy: 1e-3)
    }

    func testHistogram2DCountsAndPlot() throws {
        let x = [0.1, 0.1, 0.9, 0.5, 2.0, .nan, 1.0]
        let y = [0.1, 0.15, 0.9, 0.5, 0.5, 0.5, 1.0]
        let h = Histogram2D(x: x, y: y, bins: 2, xRange: (0, 1), yRange: (0, 1))
        // (0.1,0.1) twice → bin (0,0); 0.9 and 1.0 → (1,1); 0.5 → (1,1) as the midpoint starts bin 1.
        XCTAssertEqual(h.counts, [2, 0, 0, 3])
        XCTAssertEqual(h.total, 5)
        let root = try parse(Histogram2DPlot.svg(h, title: "t", xLabel: "x", yLabel: "y"))
        XCTAssertEqual(marks(root).count, 2)
        XCTAssertEqual(declaredMarks(root), 2)
        XCTAssertEqual(root.attribute(forName: "data-plot")?.stringValue, "histogram2d")

        let wide = Histogram2D.robustRange((0..<1000).map(Double.init) + [1e9])
        XCTAssertLessThan(wide.1, 2000, "an outlier must not set the range")
        XCTAssertGreaterThan(wide.1, 990)
    }

    func testNormalQQPointsAndPlot() throws {
        var generator = SystemRandomNumberGenerator()
        let values = (0..<2000).map { _ -> Double in
            let u = Double.random(in: 0.000001..<1, using: &generator)
            return Distributions.normalQuantile(u)
        }
        let points = NormalQQPlot.points(values + [.nan])
        XCTAssertEqual(points.count, 2000)
        XCTAssertEqual(points.map(\.y), values.sorted())
        XCTAssertEqual(points.map(\.x), points.map(\.x).sorted())
        XCTAssertEqual(points[1000].x, Distributions.normalQuantile(1000.5 / 2000), accuracy: 1e-15)
        let root = try parse(NormalQQPlot.svg(samples: [("a", values), ("b", values.map { $0 * 2 })], title: "QQ"))
        let drawn = marks(root)
        XCTAssertEqual(declaredMarks(root), drawn.count)
        XCTAssertGreaterThan(drawn.count, 200)
        XCTAssertLessThan(drawn.count, 4000)
        // Both series are drawn, each in its own colour.
        let colors = Set(drawn.compactMap { $0.attribute(forName: "fill")?.stringValue })
        XCTAssertEqual(colors, [Palette.color(0), Palette.color(1)])
    }

    func testPixelThinningCollapsesCoincidentPoints() throws {
        let same = [AssociationPoint](repeating: AssociationPoint(chromosome: "1", position: 100, p: 0.01), count: 100_000)
        XCTAssertEqual(marks(try parse(ManhattanPlot.svg(same, title: "same"))).count, 1)
        // 100,000 p-values on a 260-pixel QQ plot: at most one dot per pixel along the curve.
        let m = 100_000
        let root = try parse(PValueQQPlot.svg(pValues: (0..<m).map { (Double($0) + 0.5) / Double(m) }, title: "many"))
        XCTAssertLessThan(marks(root).count, 600)
        XCTAssertGreaterThan(marks(root).count, 100)
    }

    func testManhattanOrdersChromosomesAndDrawsThreshold() throws {
        XCTAssertEqual(ManhattanPlot.order(["10", "2", "X", "1", "MT"]), ["1", "2", "10", "MT", "X"])
        var results: [AssociationPoint] = []
        for c in ["2", "1", "10"] {
            for k in 0..<300 { results.append(AssociationPoint(chromosome: c, position: Double(k) * 1e4, p: Double(k + 1) / 301)) }
        }
        results.append(AssociationPoint(chromosome: "2", position: 5e5, p: 1e-30))
        results.append(AssociationPoint(chromosome: "1", position: 1, p: .nan))
        let svg = ManhattanPlot.svg(results, title: "m")
        let root = try parse(svg)
        let drawn = marks(root)
        XCTAssertEqual(declaredMarks(root), drawn.count)
        XCTAssertGreaterThan(drawn.count, 300)
        // Chromosome 1's points lie left of chromosome 2's, which lie left of 10's (alternating colours).
        func xs(_ color: String) -> [Double] {
            drawn.filter { $0.attribute(forName: "fill")?.stringValue == color }.compactMap { Double($0.attribute(forName: "cx")?.stringValue ?? "") }
        }
        let even = xs(Palette.color(0)), odd = xs(Palette.color(1))
        XCTAssertLessThan(even.filter { $0 < odd.min()! }.count, even.count) // chromosome 10 is to the right
        XCTAssertLessThan(even.min()!, odd.min()!)
        XCTAssertLessThan(odd.max()!, even.max()!)
        // The top hit is the highest dot.
        let ys = drawn.compactMap { Double($0.attribute(forName: "cy")?.stringValue ?? "") }
        XCTAssertEqual(ys.min()!, PlotFrame(width: 640, height: 260, x: (0, 1), y: (0, 1)).top + (260 - 40 - 26) * (1 - 30 / (30 * 1.08)), accuracy: 0.2)
        // Tick labels in genome order.
        let labels = svg.components(separatedBy: "font-size=\"10\">").dropFirst().map { $0.prefix { $0 != "<" } }
        XCTAssertEqual(Array(labels.prefix(3)), ["1", "2", "10"])
        XCTAssertTrue(svg.contains("stroke-dasharray"), "the Bonferroni line is missing")
    }

    func testLinePlotDrawsEverySeries() throws {
        let series = [Series(name: "lambda", points: [(0, 0.9), (1, 0.7), (2, 0.6)]),
                      Series(name: "rho", points: [(0, 0.1), (1, .nan), (2, 0.3)])]
        let root = try parse(LinePlot.svg(series, title: "λ", xLabel: "stage", yLabel: "value"))
        let drawn = marks(root)
        XCTAssertEqual(drawn.filter { $0.name == "polyline" }.count, 2)
        XCTAssertEqual(drawn.filter { $0.name == "circle" }.count, 5)
        XCTAssertTrue(LinePlot.legend(["a<b"]).contains("a&lt;b"))
        // A first training epoch far above the rest is cut off the range (drawn at the edge).
        let losses = [240.0] + (1..<40).map { 14 - Double($0) * 0.05 }
        let range = LinePlot.yRange(losses)
        XCTAssertLessThan(range.1, 20)
        XCTAssertLessThan(range.0, losses.min()!)
        XCTAssertEqual(LinePlot.yRange([1, 2, 3]).1, 3.16, accuracy: 1e-12) // 3 + 8 % of the width 2
    }
}
