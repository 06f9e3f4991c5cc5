import Foundation
import XCTest

/// `gwasflow report` as a user runs it: a run folder in, one HTML page and its log out; a path
/// that is neither a folder nor a prefix is one error line and exit status 2.
final class ReportCommandTests: XCTestCase {
    func testWritesThePageAndItsLogForAPartialRun() throws {
        let folder = try temporaryFolder(self)
        let run = folder.appendingPathComponent("run/group/assoc")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        var table = "chr\trs\tps\tn_miss\tallele1\tallele0\taf\tbeta\tse\tp_score\n"
        for k in 0..<500 {
            table += "\(k % 2 + 1)\trs\(k)\t\(k * 1000)\t0\tA\tG\t0.3\t0.1\t0.05\t\(Double(k + 1) / 501)\n"
        }
        try table.write(to: run.appendingPathComponent("alternating.assoc.txt"), atomically: true, encoding: .utf8)
        // A per-chromosome piece of the gathered table: left out, also with a relative --run.
        let pieces = run.appendingPathComponent("alternating")
        try FileManager.default.createDirectory(at: pieces, withIntermediateDirectories: true)
        try table.write(to: pieces.appendingPathComponent("chr1.assoc.txt"), atomically: true, encoding: .utf8)

        let result = try GWASFlowProcess.run(["report", "--run", "run", "--out", "out/report", "--quiet"], in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("wrote out/report.html: 2 plots"), result.stdout)
        let html = try String(contentsOf: folder.appendingPathComponent("out/report.html"), encoding: .utf8)
        XCTAssertTrue(html.hasSuffix("</html>\n"))
        XCTAssertEqual(html.components(separatedBy: "<svg class=\"plot\"").count - 1, 2) // Manhattan + QQ
        XCTAssertTrue(html.contains("No normalized phenotypes found"))
        let log = try String(contentsOf: folder.appendingPathComponent("out/report.log"), encoding: .utf8)
        XCTAssertTrue(log.contains("status: completed"))
        XCTAssertTrue(log.contains("association tables found: 1"))
        XCTAssertTrue(log.contains("output: out/report.html"))
    }

    func testMissingRunIsOneErrorLine() throws {
        let folder = try temporaryFolder(self)
        let result = try GWASFlowProcess.run(["report", "--run", "nothing/here", "--out", "r.html"], in: folder)
        XCTAssertEqual(result.status, 2)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, result.stderr)
        XCTAssertTrue(lines.first?.hasPrefix("gwasflow: error: nothing/here: no such folder") ?? false, result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("r.html").path))
    }
}
