@testable import GWASFlow
import XCTest

/// What `StepProgress` prints, driven by a fake clock.
final class StepProgressTests: XCTestCase {
    private final class Capture: @unchecked Sendable {
        var now = 0.0
        var text = ""
    }

    private func progress(_ style: ProgressStyle, total: Int?, capture: Capture) -> StepProgress {
        StepProgress(step: "grm", total: total, unit: "SNPs", style: style, delay: 2,
                 clock: { capture.now }, sink: { capture.text += $0 })
    }

    func testQuickStepsPrintNothing() {
        let capture = Capture()
        let p = progress(.lines, total: 100, capture: capture)
        capture.now = 1.5
        p.advance(by: 100)
        p.finish()
        XCTAssertEqual(capture.text, "")
    }

    func testPlainLinesAreThrottledAndEndWithATotal() {
        let capture = Capture()
        let p = progress(.lines, total: 5000, capture: capture)
        capture.now = 3.1
        p.advance(by: 2000)     // shown: past the 2 s delay
        capture.now = 4.0
        p.advance(by: 1000)     // not shown: within 5 s of the last line
        capture.now = 8.2
        p.advance(by: 1000)     // shown
        capture.now = 9.0
        p.finish()
        XCTAssertEqual(capture.text, """
            grm: 40% (2,000/5,000 SNPs) 3.10 s
            grm: 80% (4,000/5,000 SNPs) 8.20 s
            grm: 100% (5,000/5,000 SNPs) 9.00 s

            """)
    }

    func testBarRedrawsInPlace() {
        let capture = Capture()
        let p = progress(.bar, total: 4, capture: capture)
        capture.now = 2.5
        p.advance(by: 1)
        XCTAssertEqual(capture.text, "\r\u{1B}[Kgrm [======>                 ] 25% 1/4 SNPs 2.50 s")
        capture.now = 3
        p.finish()
        XCTAssertTrue(capture.text.hasSuffix("\r\u{1B}[Kgrm: 100% (4/4 SNPs) 3.00 s\n"), capture.text)
    }

    func testSilentPrintsNothing() {
        let capture = Capture()
        let p = progress(.silent, total: nil, capture: capture)
        capture.now = 100
        p.advance(by: 7)
        p.finish()
        XCTAssertEqual(capture.text, "")
    }
}
