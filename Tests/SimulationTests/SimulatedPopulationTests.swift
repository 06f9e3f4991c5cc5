import Foundation
import Formats
import Numerics
@testable import Simulation
import XCTest

/// The genotype simulator: reproducibility, `.bed` round trip, Mendelian inheritance, kinship of
/// relatives, frequency spectrum, missingness and LD, each checked from the genotypes themselves.
final class SimulatedPopulationTests: XCTestCase {
    static let settings = PopulationSettings(individuals: 400, snps: 3_000, chromosomes: 3)
    static let population: SimulatedPopulation = {
        var g = SeededGenerator(seed: 11)
        return SimulatedPopulation(settings: settings, generator: &g)
    }()
    var population: SimulatedPopulation { Self.population }

    func testSameSeedSameBytesOtherSeedOtherBytes() {
        var g = SeededGenerator(seed: 11)
        let again = SimulatedPopulation(settings: Self.settings, generator: &g)
        XCTAssertEqual(again.bed, population.bed)
        XCTAssertEqual(again.fam, population.fam)
        XCTAssertEqual(again.bim, population.bim)
        var h = SeededGenerator(seed: 12)
        XCTAssertNotEqual(SimulatedPopulation(settings: Self.settings, generator: &h).bed, population.bed)
    }

    func testWrittenFilesetReadsBackWithTheSameGenotypes() throws {
        let folder = NSTemporaryDirectory() + "gwasflow-sim-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try population.write(prefix: folder + "/sim")
        let data = try PlinkDataset(prefix: folder + "/sim")
        XCTAssertEqual(data.fam, population.fam)
        XCTAssertEqual(data.bim, population.bim)
        var decoded = [Float](repeating: 0, count: data.fam.count)
        for snp in stride(from: 0, to: data.bim.count, by: 37) {
            decoded.withUnsafeMutableBufferPointer { data.bed.decode(snp: snp, into: $0.baseAddress!) }
            let expected = population.genotypes(snp: snp).map { $0 < 0 ? Float.nan : Float($0) }
            XCTAssertTrue(zip(decoded, expected).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }, "SNP \(snp)")
        }
    }

    func testLayoutFamiliesAndChromosomes() {
        let s = Self.settings
        XCTAssertEqual(population.fam.count, s.individuals)
        XCTAssertEqual(population.bim.count, s.snps)
        XCTAssertEqual(Set(population.bim.map(\.chromosome)), ["1", "2", "3"])
        for (a, b) in zip(population.bim, population.bim.dropFirst()) where a.chromosome == b.chromosome {
            XCTAssertLessThan(a.position, b.position)
        }
        let related = population.individuals.filter { $0.role != .unrelated }.count
        XCTAssertEqual(related, Int(s.relatedFraction * Double(s.individuals)))
        let roles = Set(population.individuals.map(\.role))
        XCTAssertEqual(roles, [.father, .mother, .child, .unrelated])
        XCTAssertEqual(Set(population.individuals.map(\.subpopulation)), [0, 1, 2])
        // Parents named in the .fam are genotyped members of the same family.
        let ids = Set(population.fam.map(\.iid))
        for r in population.fam where !r.isFounder {
            XCTAssertTrue(ids.contains(r.father) && ids.contains(r.mother))
            XCTAssertTrue(r.father.hasPrefix(r.fid) && r.mother.hasPrefix(r.fid))
        }
    }

    /// A child's genotype is always reachable from its genotyped parents' (no Mendelian errors),
    /// and parents and children are not copies of each other.
    func testChildrenInheritFromTheirParents() {
        let index = Dictionary(uniqueKeysWithValues: population.fam.enumerated().map { ($1.iid, $0) })
        let trios = population.fam.enumerated().compactMap { i, r in r.isFounder ? nil : (i, index[r.father]!, index[r.mother]!) }
        XCTAssertGreaterThan(trios.count, 20)
        var checked = 0, identical = 0
        for snp in population.bim.indices {
            let g = population.genotypes(snp: snp)
            for (c, f, m) in trios where g[c] >= 0 && g[f] >= 0 && g[m] >= 0 {
                let fromFather: Set<Int8> = g[f] == 0 ? [0] : g[f] == 2 ? [1] : [0, 1]
                let fromMother: Set<Int8> = g[m] == 0 ? [0] : g[m] == 2 ? [1] : [0, 1]
                XCTAssertTrue(fromFather.contains { a in fromMother.contains { a + $0 == g[c] } },
                              "Mendelian error at SNP \(snp): child \(g[c]), parents \(g[f]) \(g[m])")
                checked += 1
                if g[c] == g[f] { identical += 1 }
            }
        }
        XCTAssertGreaterThan(checked, 10_000)
        XCTAssertLessThan(Double(identical) / Double(checked), 0.9)
    }

    /// Standardized-GRM entries: about 0.5 for parent–child and sibling pairs, about 0 between
    /// unrelated individuals on average, and about 1 on the diagonal.
    func testKinshipOfRelativesAndUnrelated() {
        let n = population.fam.count
        let common = population.bim.indices.compactMap { snp -> [Double]? in
            guard let s = population.standardized(snp: snp), min(s.frequency, 1 - s.frequency) > 0.05 else { return nil }
            return s.values
        }
        let used = common.count
        var k = Matrix<Double>(rows: n, columns: n)
        BLAS.syrk(Matrix(rows: n, columns: used, storage: common.flatMap { $0 }), into: &k)
        func kin(_ i: Int, _ j: Int) -> Double { k[min(i, j), max(i, j)] / Double(used) }
        var sibs: [Double] = [], unrelated: [Double] = []
        let people = population.individuals
        for j in 0..<n {
            for i in 0..<j {
                if people[i].family == people[j].family && people[i].role == .child && people[j].role == .child { sibs.append(kin(i, j)) }
                if people[i].role == .unrelated && people[j].role == .unrelated { unrelated.append(kin(i, j)) }
            }
        }
        let mean = { (x: [Double]) in x.reduce(0, +) / Double(x.count) }
        XCTAssertGreaterThan(sibs.count, 30)
        XCTAssertEqual(mean(sibs), 0.5, accuracy: 0.08)
        XCTAssertEqual(mean(unrelated), 0, accuracy: 0.03)
        let diagonal = (0..<n).map { kin($0, $0) }
        XCTAssertEqual(mean(diagonal), 1, accuracy: 0.1)
    }

    func testRareSNPsAndMissingness() {
        var rare = 0, missing = 0
        for snp in population.bim.indices {
            let g = population.genotypes(snp: snp)
            missing += g.filter { $0 < 0 }.count
            let present = g.filter { $0 >= 0 }
            let p = Double(present.reduce(0) { $0 + Int($1) }) / Double(2 * present.count)
            if min(p, 1 - p) < 0.015 { rare += 1 }
        }
        let rareShare = Double(rare) / Double(population.bim.count)
        XCTAssertGreaterThan(rareShare, 0.06)
        XCTAssertLessThan(rareShare, 0.25)
        let missingRate = Double(missing) / Double(population.bim.count * population.fam.count)
        XCTAssertEqual(missingRate, Self.settings.missingRate, accuracy: 0.002)
    }

    /// Neighbouring SNPs are in LD (mean r² well above the 1/n of independent SNPs); SNPs far
    /// apart, or simulated with `ldDecay` 0, are not.
    func testLinkageDisequilibriumDecays() {
        func meanR2(_ pop: SimulatedPopulation, lag: Int) -> Double {
            var total = 0.0, count = 0
            for snp in stride(from: 0, to: pop.bim.count - lag, by: 3) where pop.bim[snp].chromosome == pop.bim[snp + lag].chromosome {
                guard let a = pop.standardized(snp: snp), let b = pop.standardized(snp: snp + lag),
                      min(a.frequency, 1 - a.frequency) > 0.05, min(b.frequency, 1 - b.frequency) > 0.05 else { continue }
                let r = zip(a.values, b.values).reduce(0) { $0 + $1.0 * $1.1 } / Double(a.values.count)
                total += r * r; count += 1
            }
            return total / Double(count)
        }
        let near = meanR2(population, lag: 1), far = meanR2(population, lag: 200)
        XCTAssertGreaterThan(near, 0.1)
        XCTAssertLessThan(far, 0.02)
        var s = Self.settings
        s.ldDecay = 0
        var g = SeededGenerator(seed: 5)
        XCTAssertLessThan(meanR2(SimulatedPopulation(settings: s, generator: &g), lag: 1), 0.02)
    }

    func testSettingsProblems() {
        XCTAssertNil(PopulationSettings().problem)
        XCTAssertNotNil(PopulationSettings(individuals: 1).problem)
        XCTAssertNotNil(PopulationSettings(snps: 2, chromosomes: 3).problem)
        XCTAssertNotNil(PopulationSettings(fst: 1).problem)
    }
}
