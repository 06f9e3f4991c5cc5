import Foundation
import XCTest
@testable import Report

/// The whole page: outputs found by name in a run folder, partial runs, and the page rendered by
/// headless Chromium — loaded without errors, and every plot drawn with content (data marks in
/// the DOM and saturated pixels inside each plot's rectangle of the screenshot).
final class ReportRenderingTests: XCTestCase {
    private func fixture() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("gwasflow-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        try ReportFixture.write(to: folder)
        return folder
    }

    func testFindsOutputsByNameInFolderAndPrefix() throws {
        let folder = try fixture()
        let files = try RunFiles(run: folder.appendingPathComponent("run").path)
        XCTAssertEqual(files.normalizations.map(\.name), ["hormonal/alternating", "hormonal/baseline"])
        // Per-chromosome pieces (gathered beside them) and anything under logs/ are left out.
        XCTAssertEqual(files.associations.map(\.name), ["hormonal/alternating", "hormonal/baseline"])
        XCTAssertEqual(files.loci.map(\.name), ["hormonal/alternating", "hormonal/baseline"])
        XCTAssertEqual(files.comparisons.map(\.name), ["hormonal/compare"])

        let prefix = try RunFiles(run: folder.appendingPathComponent("run/hormonal/alternating").path)
        XCTAssertEqual(prefix.normalizations.map(\.name), ["alternating"])
        XCTAssertEqual(prefix.associations.map(\.name), ["alternating"])
        XCTAssertTrue(prefix.comparisons.isEmpty)
        // With a trailing slash the same path is the folder of per-chromosome pieces.
        let pieces = try RunFiles(run: folder.appendingPathComponent("run/hormonal/alternating").path + "/")
        XCTAssertEqual(pieces.associations.map(\.name), ["chr1", "chr2", "chr3"])

        XCTAssertThrowsError(try RunFiles(run: folder.appendingPathComponent("run/nothing").path)) { error in
            XCTAssertTrue("\(error)".contains("no such folder"), "\(error)")
        }
    }

    func testNormalizationOutputsMatchRawValuesByID() throws {
        let folder = try fixture()
        let run = try NormalizationOutputs(name: "a", prefix: folder.appendingPathComponent("run/hormonal/alternating").path)
        XCTAssertEqual(run.traits, ReportFixture.traits)
        XCTAssertEqual(run.after.map(\.count), [399, 399, 399]) // one individual with NA is left out
        let before = try XCTUnwrap(run.before, run.beforeProblem ?? "")
        // The raw TSH is exp(a) > 0 and FT3 has mean ≈ 5: the raw table, not the normalized one, was read.
        XCTAssertTrue(before[0].allSatisfy { $0 > 0 })
        XCTAssertEqual(before[2].reduce(0, +) / Double(before[2].count), 5, accuracy: 0.4)
        XCTAssertEqual(run.lambda?.rows.count, 5)
        XCTAssertEqual(run.curves?.rows.count, 40)
        XCTAssertNotNil(run.diagnostics)
    }

    func testTrainingCurvesFromTheRunLog() throws {
        let log = """
        # figures
        training: adamax lr 0.03, weight decay 0.01, batch 256, 5 epochs
        epoch 1: train loss 240.9, validation NLL 17.3, lr 0.02187, 1.13 s
        epoch 2: train loss 16.4, validation NLL 14.3, lr 0.0159, 1.12 s
        stage0 epoch 1: train loss 15.0, validation NLL 13.9, lr 0.03, 1.1 s
        best epoch (validation NLL): 2
        """
        let table = try XCTUnwrap(NormalizationOutputs.epochLines(log, path: "x.log"))
        XCTAssertEqual(table.columns, ["epoch", "train loss", "validation NLL"])
        XCTAssertEqual(table.rows, [["1", "240.9", "17.3"], ["2", "16.4", "14.3"], ["3", "15.0", "13.9"]])
        XCTAssertNil(NormalizationOutputs.epochLines("epoch: none\nbest epoch (validation NLL): 2\n", path: "y.log"))
    }

    func testPartialRunSaysWhatIsMissing() throws {
        let folder = try fixture()
        let partial = folder.appendingPathComponent("partial")
        try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
        for name in ["baseline.pheno.tsv", "baseline.log"] {
            try FileManager.default.copyItem(at: folder.appendingPathComponent("run/hormonal/\(name)"), to: partial.appendingPathComponent(name))
        }
        let (html, summary) = RunReport.build(try RunFiles(run: partial.path), notes: [])
        XCTAssertEqual(summary.normalizations, 1)
        XCTAssertEqual(summary.missingSections, ["training", "association", "loci"])
        XCTAssertTrue(html.contains("No association results found"))
        XCTAssertTrue(html.contains("No λ tables (*.lambda.tsv), training curves or diagnostics found."))
        XCTAssertGreaterThan(summary.plots, 0)
    }

    func testPageRendersInHeadlessChromiumWithEveryPlotDrawn() throws {
        guard let chromium = ["chromium", "chromium-browser", "google-chrome"].lazy.compactMap(Self.executable).first else {
            throw XCTSkip("chromium is not installed (make test installs it: apt-get install chromium); the rendering test was skipped")
        }
        let folder = try fixture()
        let (html, summary) = RunReport.build(try RunFiles(run: folder.appendingPathComponent("run").path), notes: ["test"])
        // 3 trait pairs × (raw, normalized) × 2 runs, 3 trait QQ × 2, (λ, objective, curves) × 2, (Manhattan, QQ) × 2.
        XCTAssertEqual(summary.plots, 12 + 6 + 6 + 4)
        XCTAssertEqual(summary.missingSections, [])
        XCTAssertFalse(html.contains("<script"), "the report must work without scripts")
        XCTAssertFalse(html.contains("http://") && html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http://"),
                       "the report must not load anything from the network")
        let page = folder.appendingPathComponent("report.html"), probe = folder.appendingPathComponent("probe.html")
        try html.write(to: page, atomically: true, encoding: .utf8)
        try html.replacingOccurrences(of: "<meta charset=\"utf-8\">", with: "<meta charset=\"utf-8\">\n" + Self.probeScript)
            .write(to: probe, atomically: true, encoding: .utf8)

        let width = 1200
        let profile = folder.appendingPathComponent("chromium-profile").path
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1",
                      "--user-data-dir=\(profile)", "--no-first-run"]
        let dump = try Self.run(chromium, common + ["--window-size=\(width),2000", "--virtual-time-budget=5000",
                                                    "--dump-dom", probe.absoluteString])
        XCTAssertEqual(dump.status, 0, dump.stderr)
        let layout = try Self.probeResult(dump.stdout)
        XCTAssertEqual(layout.errors, [], "the page reported errors while loading")
        XCTAssertEqual(layout.plots.count, summary.plots, "plots in the DOM differ from plots written")

        let shot = folder.appendingPathComponent("report.png")
        let height = min(layout.height, 16_000)
        let capture = try Self.run(chromium, common + ["--window-size=\(width),\(height)", "--screenshot=\(shot.path)", page.absoluteString])
        XCTAssertEqual(capture.status, 0, capture.stderr)
        if let keep = ProcessInfo.processInfo.environment["GWASFLOW_KEEP_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(at: shot, to: URL(fileURLWithPath: keep))
        }
        let image = try PNGImage(path: shot.path)
        XCTAssertEqual(image.width, width)
        for (k, plot) in layout.plots.enumerated() {
            let label = "plot \(k) (\(plot.kind))"
            XCTAssertGreaterThan(plot.marks, 0, "\(label) has no data marks in the DOM")
            XCTAssertEqual(plot.marks, plot.declared, label)
            XCTAssertGreaterThan(plot.width, 100, label)
            XCTAssertGreaterThan(plot.height, 100, label)
            XCTAssertLessThanOrEqual(plot.x + plot.width, Double(width), "\(label) runs off the page")
            let x = Int(plot.x.rounded()), y = Int(plot.y.rounded()), w = Int(plot.width), h = Int(plot.height)
            XCTAssertLessThanOrEqual(y + h, image.height, "\(label) is below the screenshot")
            let data = image.saturatedPixels(x: x, y: y, width: w, height: h)
            XCTAssertGreaterThan(data, 40, "\(label) at (\(x), \(y)) shows almost no coloured pixels")
            XCTAssertGreaterThan(image.inkedPixels(x: x, y: y, width: w, height: h), data, "\(label) has no axes or text")
        }
        // Between plots the page is white: the saturated pixels come from the plots.
        XCTAssertEqual(image.saturatedPixels(x: 0, y: 0, width: width, height: 40), 0)
    }

    // MARK: Chromium

    /// Collects load errors and, after load, each plot's page rectangle and mark counts into
    /// `<pre id="probe">` (positioned off-screen so the layout of the page is unchanged).
    static let probeScript = """
    <script>
    window.__errors = [];
    window.addEventListener('error', function (e) { window.__errors.push(String(e.message || (e.target && e.target.outerHTML) || 'error')); }, true);
    window.addEventListener('load', function () {
      var plots = Array.prototype.map.call(document.querySelectorAll('svg.plot'), function (s) {
        var r = s.getBoundingClientRect();
        return {kind: s.getAttribute('data-plot'), x: r.left + window.scrollX, y: r.top + window.scrollY,
                width: r.width, height: r.height, marks: s.querySelectorAll('[data-mark]').length,
                declared: Number(s.getAttribute('data-marks'))};
      });
      var out = document.createElement('pre');
      out.id = 'probe';
      out.style.position = 'absolute';
      out.style.left = '-99999px';
      out.textContent = JSON.stringify({errors: window.__errors, plots: plots, height: document.documentElement.scrollHeight});
      document.body.appendChild(out);
    });
    </script>
    """

    struct Layout: Decodable {
        struct Plot: Decodable {
            var kind: String
            var x: Double, y: Double, width: Double, height: Double
            var marks: Int, declared: Int
        }
        var errors: [String]
        var plots: [Plot]
        var height: Int
    }

    static func probeResult(_ dom: String) throws -> Layout {
        guard let start = dom.range(of: "<pre id=\"probe\""), let open = dom[start.upperBound...].range(of: ">"),
              let end = dom[open.upperBound...].range(of: "</pre>") else {
            XCTFail("the probe did not run: no <pre id=\"probe\"> in the dumped DOM")
            throw CocoaError(.fileReadCorruptFile)
        }
        let json = dom[open.upperBound..<end.lowerBound]
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
        return try JSONDecoder().decode(Layout.self, from: Data(json.utf8))
    }

    static func executable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a process with a time limit (Chromium must never hang the suite).
    static func run(_ executable: String, _ arguments: [String], timeout: TimeInterval = 90) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("gwasflow-chromium-\(UUID().uuidString)")
        let outURL = base.appendingPathExtension("out"), errURL = base.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            XCTFail("\(executable) did not finish within \(Int(timeout)) s")
        }
        process.waitUntilExit()
        try out.close(); try err.close()
        return (process.terminationStatus, String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }
}
