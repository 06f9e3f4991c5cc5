import Foundation
import XCTest
import Formats
import Numerics
@testable import Loci

final class HaplotypeR2Tests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "gwasflow-r2-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    /// With no double heterozygotes the haplotypes are known: r² is the haplotype-count formula.
    func testPhaseKnownTableGivesCountingR2() throws {
        // rows: SNP A code (hom A1, het, hom A2); columns: SNP B code.
        let table = [30, 10, 2, 8, 0, 9, 1, 7, 25]
        let n11 = Double(2 * 30 + 10 + 8), n12 = Double(2 * 2 + 10 + 9)
        let n21 = Double(2 * 1 + 8 + 7), n22 = Double(2 * 25 + 9 + 7)
        let total = n11 + n12 + n21 + n22
        let pA = (n11 + n12) / total, pB = (n11 + n21) / total
        let d = n11 / total - pA * pB
        let expected = d * d / (pA * (1 - pA) * pB * (1 - pB))
        let r2 = try XCTUnwrap(HaplotypeR2.r2(table: table))
        XCTAssertEqual(r2, expected, accuracy: 1e-13)
        XCTAssertGreaterThan(r2, 0, "coupling phase is positive")
        XCTAssertNil(HaplotypeR2.r2(table: [10, 0, 0, 5, 0, 0, 7, 0, 0]), "monomorphic SNP B")
    }

    /// The ML phasing maximises the likelihood: check against a dense search over x.
    func testMatchesBruteForceMaximumLikelihood() throws {
        var g = SeededGenerator(seed: 9)
        var checked = 0
        for _ in 0..<300 {
            let table = (0..<9).map { _ in Int(g.next() % 12) }
            guard table[4] > 0, let r2 = HaplotypeR2.r2(table: table) else { continue }
            let k11 = Double(2 * table[0] + table[1] + table[3]), k12 = Double(2 * table[2] + table[1] + table[5])
            let k21 = Double(2 * table[6] + table[3] + table[7]), k22 = Double(2 * table[8] + table[5] + table[7])
            let h = Double(table[4]), total = k11 + k12 + k21 + k22 + 2 * h
            // Log-likelihood of the haplotype frequencies when the h double hets split with x / h in 11/22.
            func ll(_ x: Double) -> Double {
                let p11 = (k11 + x) / total, p22 = (k22 + x) / total
                let p12 = (k12 + h - x) / total, p21 = (k21 + h - x) / total
                return k11 * log(p11) + k12 * log(p12) + k21 * log(p21) + k22 * log(p22) + h * log(p11 * p22 + p12 * p21)
            }
            // EM-free: dense grid, then golden-section refinement around the best grid point.
            let steps = 4000
            var bestX = 0.0, best = -Double.infinity
            for s in 0...steps { let x = h * Double(s) / Double(steps); let v = ll(x); if v > best { best = v; bestX = x } }
            var lo = max(0, bestX - h / Double(steps)), hi = min(h, bestX + h / Double(steps))
            for _ in 0..<200 {
                let a = lo + 0.382 * (hi - lo), b = lo + 0.618 * (hi - lo)
                if ll(a) > ll(b) { hi = b } else { lo = a }
            }
            let x = (lo + hi) / 2
            let p11 = (k11 + x) / total
            let pA = (k11 + k12 + h) / total, pB = (k11 + k21 + h) / total
            let d = p11 - pA * pB
            let expected = d * d / (pA * (1 - pA) * pB * (1 - pB))
            XCTAssertEqual(abs(r2), expected, accuracy: 1e-6, "table \(table)")
            checked += 1
        }
        XCTAssertGreaterThan(checked, 100)
    }

    /// Same r² as `plink1.9 --r2 dprime` (its EM-phased estimate) on simulated genotypes.
    func testMatchesPlinkR2Dprime() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: plinkPath), "plink1.9 not installed")
        var g = SeededGenerator(seed: 41)
        let sim = LDSimulation(individuals: 300, snpsPerChromosome: 60, chromosomes: 1, missingRate: 0.02, generator: &g)
        try sim.write(prefix: folder + "/d")
        _ = try runTool(plinkPath, ["--bfile", "d", "--r2", "dprime", "--ld-window", "20", "--ld-window-kb", "100000",
                                    "--ld-window-r2", "0", "--out", "ld"], in: folder)
        let data = try PlinkDataset(prefix: folder + "/d")
        let panel = GenotypePanel(dataset: data, foundersOnly: false)
        let row = Dictionary(uniqueKeysWithValues: data.bim.enumerated().map { ($1.id, $0) })
        var compared = 0, strong = 0
        for line in try TextLines(path: folder + "/ld.ld").dropFirst() {
            let f = line.fields
            let a = row[String(f[2])]!, b = row[String(f[5])]!
            let plinkR2 = Double(f[6])!
            let ours = try XCTUnwrap(HaplotypeR2.r2(panel.codes(a), panel.codes(b)))
            XCTAssertEqual(abs(ours), plinkR2, accuracy: 2e-6 + 1e-5 * plinkR2, "\(f[2]) \(f[5])")
            compared += 1
            if plinkR2 > 0.5 { strong += 1 }
        }
        XCTAssertGreaterThan(compared, 500)
        XCTAssertGreaterThan(strong, 20, "the simulation should have strong LD")
    }
}
