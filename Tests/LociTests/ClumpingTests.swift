import Foundation
import XCTest
import Formats
import Numerics
@testable import Loci

/// `Clumping` against `plink1.9 --clump` on simulated data with LD: the whole `.clumped`
/// text must be identical (index SNPs, counts, member lists).
final class ClumpingTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "gwasflow-clump-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    /// Simulated data, association file (with ties and a row for a SNP not in the .bim).
    func makeData(seed: UInt64) throws -> (LDSimulation, [Double]) {
        var g = SeededGenerator(seed: seed)
        let sim = LDSimulation(individuals: 400, snpsPerChromosome: 220, chromosomes: 2, missingRate: 0.01, generator: &g)
        let causal: [Int: Double] = [30: 9, 90: 6, 150: 7, 160: -5, 250: 8, 330: 5.5, 400: 6.5]
        var p = sim.simulatedPValues(causal: causal, generator: &g)
        p[31] = p[30]; p[95] = p[90]; p[251] = p[250]   // exact ties between candidates
        try sim.write(prefix: folder + "/d")
        try AtomicFile.write(sim.gemmaText(p) + "1\tnot_in_bim\t5\t0\tA\tG\t0.3\t0.1\t0.05\t1e-12\n", to: folder + "/a.assoc.txt")
        return (sim, p)
    }

    /// PLINK's `.clumped` for `parameters`, run on prefix `bfile` with extra flags.
    func plinkClumped(_ bfile: String, _ parameters: ClumpParameters, extra: [String] = []) throws -> String {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: plinkPath), "plink1.9 not installed")
        _ = try runTool(plinkPath, ["--bfile", bfile, "--clump", "a.assoc.txt", "--clump-field", "p_score",
                                    "--clump-snp-field", "rs", "--clump-p1", "\(parameters.p1)", "--clump-p2", "\(parameters.p2)",
                                    "--clump-r2", "\(parameters.r2)", "--clump-kb", "\(parameters.kb)",
                                    "--out", "plink"] + extra, in: folder)
        return try String(contentsOfFile: folder + "/plink.clumped", encoding: .utf8)
    }

    func ours(_ bfile: String, _ parameters: ClumpParameters, foundersOnly: Bool = false) throws -> (Clumping, String) {
        let data = try PlinkDataset(prefix: folder + "/" + bfile)
        let results = try AssociationPValues(path: folder + "/a.assoc.txt")
        let clumping = Clumping(results: results, variants: data.bim,
                                panel: GenotypePanel(dataset: data, foundersOnly: foundersOnly), parameters: parameters)
        return (clumping, ClumpReport.clumpedText(clumping, variants: data.bim))
    }

    static let settings: [ClumpParameters] = [
        ClumpParameters(p1: 1e-4, p2: 0.01, r2: 0.1, kb: 250),     // the paper's shape
        ClumpParameters(p1: 0.005, p2: 0.05, r2: 0.5, kb: 100),
        ClumpParameters(p1: 1, p2: 1, r2: 0.2, kb: 50),            // everything is a candidate
        ClumpParameters.plinkDefaults,
    ]

    func testMatchesPlinkClumpedTextExactly() throws {
        let (_, p) = try makeData(seed: 2024)
        XCTAssertGreaterThan(p.filter { $0 < 1e-4 }.count, 10, "simulation should give several signals")
        for parameters in ClumpingTests.settings {
            let expected = try plinkClumped("d", parameters)
            let (clumping, text) = try ours("d", parameters)
            XCTAssertEqual(clumping.missingIndexIDs, parameters.p1 >= 1e-12 ? ["not_in_bim"] : [])
            XCTAssertGreaterThan(clumping.clumps.count, 3, "\(parameters)")
            XCTAssertGreaterThan(clumping.clumps.filter { $0.members.count >= 2 }.count, 1, "\(parameters): clumps with members")
            assertSameLines(text, expected, "\(parameters)")
            assertLociTableAgrees(ClumpReport.lociTable(clumping), plink: expected, folder + "/d.bim")
        }
    }

    /// Each loci row: index SNP and size (1 + SP2 count) as in PLINK's table, span from the .bim.
    func assertLociTableAgrees(_ table: String, plink: String, _ bimPath: String) {
        let position = Dictionary(uniqueKeysWithValues: ((try? PlinkBim.read(path: bimPath)) ?? []).map { ($0.id, $0.position) })
        let plinkRows = plink.split(separator: "\n").dropFirst().map { $0.split(separator: " ") }
        let ours = table.split(separator: "\n").dropFirst().map { $0.split(separator: "\t") }
        XCTAssertEqual(ours.count, plinkRows.count)
        for (o, p) in zip(ours, plinkRows) {
            XCTAssertEqual(o[1], p[2])
            let members = p[11] == "NONE" ? [] : p[11].split(separator: ",").map { String($0.dropLast(3)) }
            XCTAssertEqual(Int(o[5]), members.count + 1)
            let positions = members.map { position[$0]! } + [position[String(p[2])]!]
            XCTAssertEqual(Double(o[6])!, Double(positions.max()! - positions.min()!) / 1000, accuracy: 5e-4)
        }
    }

    func testUnsortedBimGivesTheSortedAnswer() throws {
        let (sim, _) = try makeData(seed: 77)
        var g = SeededGenerator(seed: 5)
        try sim.write(prefix: folder + "/shuffled", order: g.permutation(sim.bim.count))
        for parameters in ClumpingTests.settings.prefix(2) {
            let expected = try plinkClumped("d", parameters)
            let (_, text) = try ours("shuffled", parameters)
            assertSameLines(text, expected, "\(parameters)")
        }
    }

    func testFoundersOnlyMatchesPlinkDefaultAndAllMatchesZeroedParents() throws {
        let (sim, _) = try makeData(seed: 31)
        // A third of the individuals get parents (who are in the .fam): PLINK leaves them out of LD.
        var fam = sim.fam
        for i in stride(from: 2, to: fam.count, by: 3) { fam[i].father = fam[i - 2].iid; fam[i].mother = fam[i - 1].iid }
        for i in fam.indices where i % 3 == 2 { fam[i].fid = fam[i - 2].fid; fam[i - 1].fid = fam[i - 2].fid }
        try sim.write(prefix: folder + "/ped", fam: fam)
        let parameters = ClumpParameters(p1: 1e-3, p2: 0.05, r2: 0.3, kb: 250)
        let plinkFounders = try plinkClumped("ped", parameters)
        let (founders, foundersText) = try ours("ped", parameters, foundersOnly: true)
        XCTAssertEqual(founders.clumps.isEmpty, false)
        assertSameLines(foundersText, plinkFounders, "founders only")
        // Every individual: PLINK sees the same genotypes with parents cleared (dataset d).
        let plinkAll = try plinkClumped("d", parameters)
        let (_, allText) = try ours("ped", parameters)
        assertSameLines(allText, plinkAll, "all individuals")
        XCTAssertNotEqual(plinkAll, plinkFounders, "the founder restriction should change some clump on this data")
    }

    func assertSameLines(_ ours: String, _ plink: String, _ context: String, file: StaticString = #filePath, line: UInt = #line) {
        let a = ours.split(separator: "\n", omittingEmptySubsequences: false)
        let b = plink.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(a.count, b.count, "\(context): line count", file: file, line: line)
        for (k, (x, y)) in zip(a, b).enumerated() where x != y {
            XCTFail("\(context): line \(k + 1) differs\n ours: \(x)\nplink: \(y)", file: file, line: line)
            return
        }
    }
}
