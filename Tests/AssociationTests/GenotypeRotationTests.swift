import Foundation
import XCTest
import Formats
import Numerics
import Relatedness
@testable import Association

/// `GenotypeRotation.scan` against `Uᵀ x` computed directly: GEMMA's filters, mean imputation,
/// centring, the r² filter, and SNP order when several workers finish blocks out of order.
final class GenotypeRotationTests: XCTestCase {
    struct Data {
        var bed: PlinkBed
        var genotypes: [[Int8]]
        var u: Matrix<Double>
    }

    /// 30 individuals, 41 SNPs: random genotypes with missing values, plus a monomorphic SNP (3),
    /// one missing in a third of the individuals (7), and SNP 0 (no missing values) copied to SNP 11.
    func data() throws -> Data {
        let n = 30, m = 41
        var g = SeededGenerator(seed: 17)
        var genotypes: [[Int8]] = (0..<m).map { _ in (0..<n).map { _ in g.uniform() < 0.04 ? -1 : Int8(g.next() % 3) } }
        genotypes[3] = [Int8](repeating: 1, count: n)
        for i in 0..<10 { genotypes[7][i] = -1 }
        genotypes[0] = genotypes[0].map { max($0, 0) }
        genotypes[11] = genotypes[0]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rotation-\(UUID().uuidString).bed").path
        try AtomicFile.write(PlinkBedWriter.encode(snpMajor: genotypes, individuals: n), to: path)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        var a = Matrix<Double>(rows: n, columns: n)
        for t in a.storage.indices { a.storage[t] = g.normal() }
        let u = try LAPACK.symmetricEigen(BLAS.product(a, a, transB: .transposed)).vectors
        return Data(bed: try PlinkBed(path: path, individuals: n, snps: m), genotypes: genotypes, u: u)
    }

    /// Runs a scan and gathers, in delivery order, the SNPs and rotated columns.
    func scan(_ rotation: GenotypeRotation, _ snps: [Int], workers: Int) -> (snps: [TestedSNP], columns: [[Double]]) {
        var kept: [TestedSNP] = [], columns: [[Double]] = []
        rotation.scan(snps: snps, workers: workers, analyse: { tested, rotated in
            (tested, (0..<rotated.columns).map { rotated.column($0) })
        }, collect: { tested, rotated in
            kept += tested
            columns += rotated
        })
        return (kept, columns)
    }

    func testScanMatchesDirectRotationInSNPOrder() throws {
        let d = try data()
        let n = d.u.rows
        let individuals = Array(0..<n)
        let snps = Array(0..<d.genotypes.count)
        var covariates = Matrix<Double>(rows: n, columns: 2, repeating: 1)
        for i in 0..<n { covariates[i, 1] = Double(d.genotypes[0][i]) }
        for (w, withCovariate) in [(1, false), (3, false), (3, true)] {
            for precision in RotationPrecision.allCases {
                let design = withCovariate ? covariates : covariates.selectingColumns([0])
                var rotation = try GenotypeRotation(bed: d.bed, individuals: individuals, eigenvectors: d.u, covariates: design,
                                                    precision: precision)
                rotation.blockSize = 4
                rotation.chunkSize = 3
                let got = scan(rotation, snps, workers: w)

                // Expected: GEMMA's filters, then (x − mean) with missing at the mean, rotated in Double.
                var expected: [(index: Int, column: [Double], missing: Int, af: Double)] = []
                for s in snps {
                    let x = d.genotypes[s]
                    let counts = GenotypeCounts(zero: x.filter { $0 == 0 }.count, one: x.filter { $0 == 1 }.count,
                                                two: x.filter { $0 == 2 }.count, missing: x.filter { $0 < 0 }.count)
                    guard SNPFilter.gemmaDefault.keeps(counts) else { continue }
                    // With the covariate, SNP 0 and its copy have r² = 1 on W and are dropped.
                    if withCovariate && (s == 0 || s == 11) { continue }
                    let mean = 2 * counts.alleleOneFrequency
                    let centred = x.map { $0 < 0 ? 0 : Double($0) - mean }
                    expected.append((s, BLAS.gemv(d.u, centred, trans: .transposed), counts.missing, mean / 2))
                }
                let label = "workers \(w), covariate \(withCovariate), \(precision)"
                XCTAssertFalse(expected.contains { $0.index == 3 || $0.index == 7 }, "the filters drop SNPs 3 and 7")
                XCTAssertEqual(expected.count, withCovariate ? 22 : 24, label)
                XCTAssertEqual(got.snps.map(\.index), expected.map(\.index), label)
                XCTAssertEqual(got.snps.map(\.missing), expected.map(\.missing), label)
                for (snp, e) in zip(got.snps, expected) { XCTAssertEqual(snp.alleleFrequency, e.af, accuracy: 1e-15, label) }
                let tolerance = precision == .double ? 1e-12 : 1e-5
                for (column, e) in zip(got.columns, expected) {
                    for (a, b) in zip(column, e.column) { XCTAssertEqual(a, b, accuracy: tolerance, label) }
                }
            }
        }
    }
}
