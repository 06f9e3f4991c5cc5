import Foundation
import Formats
import Numerics
@testable import Simulation
import XCTest

/// `PrincipalComponents` against `plink2 --pca` on the same simulated fileset.
final class PrincipalComponentsTests: XCTestCase {
    /// PC1 and PC2 (population structure) agree with plink2's up to sign: |correlation| > 0.99.
    /// plink2 takes allele frequencies from founders only, we from everyone, so agreement is close
    /// but not exact; later PCs (families) are not compared.
    func testLeadingComponentsMatchPlink2() throws {
        var g = SeededGenerator(seed: 31)
        let population = SimulatedPopulation(settings: PopulationSettings(individuals: 500, snps: 3_000, chromosomes: 2), generator: &g)
        let folder = NSTemporaryDirectory() + "gwasflow-pca-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try population.write(prefix: folder + "/sim")
        let plink = Process()
        plink.executableURL = URL(fileURLWithPath: "/usr/bin/plink2")
        plink.arguments = ["--bfile", folder + "/sim", "--pca", "4", "--threads", "1", "--out", folder + "/p2"]
        plink.standardOutput = FileHandle.nullDevice
        plink.standardError = FileHandle.nullDevice
        try plink.run()
        plink.waitUntilExit()
        XCTAssertEqual(plink.terminationStatus, 0, "plink2 --pca failed")

        let theirs = try Eigenvectors.read(path: folder + "/p2.eigenvec").aligned(to: population.fam).values
        let ours = try PrincipalComponents(population: population, count: 4).vectors
        for pc in 0..<2 {
            let a = ours.column(pc), b = theirs.column(pc)
            let ma = a.reduce(0, +) / Double(a.count), mb = b.reduce(0, +) / Double(b.count)
            let sab = zip(a, b).reduce(0) { $0 + ($1.0 - ma) * ($1.1 - mb) }
            let saa = a.reduce(0) { $0 + ($1 - ma) * ($1 - ma) }, sbb = b.reduce(0) { $0 + ($1 - mb) * ($1 - mb) }
            XCTAssertGreaterThan(abs(sab / (saa * sbb).squareRoot()), 0.99, "PC\(pc + 1)")
        }
    }
}
