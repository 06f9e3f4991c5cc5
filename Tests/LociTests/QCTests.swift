import Foundation
import XCTest
import Formats
import Numerics
@testable import Loci

/// QC statistics, filters and LD pruning against plink1.9 on simulated data.
final class QCTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: plinkPath), "plink1.9 not installed")
        folder = NSTemporaryDirectory() + "gwasflow-qc-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { if let folder { try? FileManager.default.removeItem(atPath: folder) } }

    /// LD data plus SNPs that should fail: HWE violations, high missingness, rare and monomorphic SNPs,
    /// and exact duplicates (r² = 1) with different MAF tie situations.
    func makeData(seed: UInt64, pedigree: Bool = false) throws -> LDSimulation {
        var g = SeededGenerator(seed: seed)
        var sim = LDSimulation(individuals: 500, snpsPerChromosome: 300, chromosomes: 2, missingRate: 0.005, generator: &g)
        let n = sim.fam.count
        for j in stride(from: 7, to: sim.genotypes.count, by: 23) {           // heterozygote deficit
            sim.genotypes[j] = sim.genotypes[j].map { $0 == 1 && g.uniform() < 0.6 ? (g.uniform() < 0.5 ? 0 : 2) : $0 }
        }
        for j in stride(from: 11, to: sim.genotypes.count, by: 37) {          // heavy missingness
            let rate = 0.02 + 0.1 * g.uniform()
            sim.genotypes[j] = sim.genotypes[j].map { g.uniform() < rate ? -1 : $0 }
        }
        for j in stride(from: 13, to: sim.genotypes.count, by: 41) {          // rare or monomorphic
            let carriers = Int(g.next() % 3)
            sim.genotypes[j] = (0..<n).map { $0 < carriers ? 1 : 2 }
        }
        for j in stride(from: 20, to: sim.genotypes.count - 1, by: 53) {      // exact duplicates
            sim.genotypes[j + 1] = sim.genotypes[j]
        }
        if pedigree {
            for i in stride(from: 2, to: n, by: 3) {
                sim.fam[i].father = sim.fam[i - 2].iid; sim.fam[i].mother = sim.fam[i - 1].iid
                sim.fam[i].fid = sim.fam[i - 2].fid; sim.fam[i - 1].fid = sim.fam[i - 2].fid
            }
        }
        try sim.write(prefix: folder + "/d")
        return sim
    }

    func table(_ path: String) throws -> [[Substring]] {
        try TextLines(path: path).dropFirst().map(\.fields)
    }

    func testStatisticsMatchPlinkFreqMissingHardy() throws {
        _ = try makeData(seed: 8)
        _ = try runTool(plinkPath, ["--bfile", "d", "--freq", "--missing", "--hardy", "--out", "s"], in: folder)
        let data = try PlinkDataset(prefix: folder + "/d")
        let qc = VariantQC(dataset: data, panel: GenotypePanel(dataset: data, foundersOnly: true), thresholds: .init())
        let freq = try table(folder + "/s.frq"), missing = try table(folder + "/s.lmiss"), hardy = try table(folder + "/s.hwe")
        XCTAssertEqual(freq.count, data.bim.count)
        var smallHWE = 0
        for j in data.bim.indices {
            let s = qc.statistics[j]
            XCTAssertEqual(String(freq[j][1]), data.bim[j].id)
            XCTAssertEqual(s.maf, Double(freq[j][4])!, accuracy: 5.1e-4 * s.maf + 1e-12, "MAF (4 significant digits in .frq) \(data.bim[j].id)")
            XCTAssertEqual(s.missingRate, Double(missing[j][4])!, accuracy: 5.1e-4 * s.missingRate + 1e-12, "F_MISS \(data.bim[j].id)")
            let plinkP = Double(hardy[j][8])!
            XCTAssertEqual(s.hweP, plinkP, accuracy: 1e-3 * plinkP + 1e-300, "HWE \(data.bim[j].id)")
            if plinkP < 1e-3 { smallHWE += 1 }
        }
        XCTAssertGreaterThan(smallHWE, 10, "the simulation should violate HWE somewhere")
    }

    /// The kept list must equal PLINK's `.prune.in` after the same filters.
    func assertKeptListMatchesPlink(_ plinkArguments: [String], maf: Double?, geno: Double?, hwe: Double?,
                                    window: LDPruning.Window, step: Int, r2: Double, foundersOnly: Bool, bfile: String = "d") throws {
        _ = try runTool(plinkPath, ["--bfile", bfile] + plinkArguments + ["--out", "q"], in: folder)
        let expected = try String(contentsOfFile: folder + "/q.prune.in", encoding: .utf8).split(separator: "\n").map(String.init)
        let data = try PlinkDataset(prefix: folder + "/" + bfile)
        let panel = GenotypePanel(dataset: data, foundersOnly: foundersOnly)
        let qc = VariantQC(dataset: data, panel: panel, thresholds: .init(maf: maf, geno: geno, hwe: hwe))
        let passing = Set(data.bim.indices.filter { qc.failures[$0].isEmpty })
        let pruning = LDPruning(variants: data.bim, candidates: passing, panel: panel, maf: qc.statistics.map(\.maf),
                                window: window, step: step, r2: r2)
        let ours = pruning.kept.map { data.bim[$0].id }
        XCTAssertGreaterThan(pruning.pruned.count, 20, "pruning should remove SNPs here")
        XCTAssertLessThan(passing.count, data.bim.count, "filters should remove SNPs here")
        XCTAssertEqual(ours.count, expected.count, "\(plinkArguments)")
        if let k = zip(ours, expected).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
            XCTFail("\(plinkArguments): first difference at \(k): ours \(ours[k]) plink \(expected[k])")
        }
    }

    func testKbWindowPruningMatchesPlink() throws {
        _ = try makeData(seed: 21)
        try assertKeptListMatchesPlink(["--maf", "0.001", "--geno", "0.05", "--hwe", "1e-3", "--indep-pairwise", "500kb", "1", "0.8"],
                                       maf: 0.001, geno: 0.05, hwe: 1e-3, window: .kilobases(500), step: 1, r2: 0.8, foundersOnly: true)
        try assertKeptListMatchesPlink(["--maf", "0.01", "--indep-pairwise", "200kb", "1", "0.3"],
                                       maf: 0.01, geno: nil, hwe: nil, window: .kilobases(200), step: 1, r2: 0.3, foundersOnly: true)
    }

    func testCountWindowPruningMatchesPlink() throws {
        _ = try makeData(seed: 22)
        try assertKeptListMatchesPlink(["--maf", "0.05", "--hwe", "1e-4", "--indep-pairwise", "50", "5", "0.5"],
                                       maf: 0.05, geno: nil, hwe: 1e-4, window: .variants(50), step: 5, r2: 0.5, foundersOnly: true)
    }

    func testFoundersOnlyMatchesPlinkOnPedigree() throws {
        _ = try makeData(seed: 23, pedigree: true)
        try assertKeptListMatchesPlink(["--maf", "0.001", "--geno", "0.05", "--hwe", "1e-3", "--indep-pairwise", "500kb", "1", "0.8"],
                                       maf: 0.001, geno: 0.05, hwe: 1e-3, window: .kilobases(500), step: 1, r2: 0.8, foundersOnly: true)
    }
}
