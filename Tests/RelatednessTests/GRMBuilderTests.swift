import XCTest
import Formats
import Numerics
@testable import Relatedness

final class GRMBuilderTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws { folder = try temporaryFolder("grm") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    func maxAbsDifference(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Double {
        precondition(a.rows == b.rows && a.columns == b.columns)
        return zip(a.storage, b.storage).map { abs($0 - $1) }.max() ?? 0
    }

    /// GEMMA's analysed individuals for a plain `-bfile` run: `.fam` phenotype present.
    func gemmaAnalysed(_ sim: SimulatedGenotypes) -> [Bool] { sim.fam.map { $0.phenotype != "-9" } }

    func testMatchesGEMMAEveryEntryForBothKinds() throws {
        let sim = try SimulatedGenotypes.write(folder: folder, individuals: 150, snps: 1200, seed: 3)
        let dataset = try PlinkDataset(prefix: sim.prefix)
        for kind in GRMKind.allCases {
            _ = try runTool("gemma", ["-bfile", "sim", "-gk", "\(kind.gemmaCode)", "-o", "g", "-outdir", "out"], in: folder)
            let theirs = try GEMMAMatrixText.readSquare(path: folder + "/out/g.\(kind.gemmaInfix).txt")
            var builder = GRMBuilder(bed: dataset.bed, analysed: gemmaAnalysed(sim), kind: kind)
            builder.blockSize = 128  // several blocks and panels even on this small case
            builder.panelWidth = 64
            let ours = builder.grm()
            XCTAssertEqual(theirs.rows, 150)
            XCTAssertLessThanOrEqual(maxAbsDifference(ours.matrix, theirs), 1e-6, "\(kind)")
            let log = try String(contentsOfFile: folder + "/out/g.log.txt", encoding: .utf8)
            XCTAssert(log.contains("number of analyzed SNPs/var = \(ours.snpCount)\n"), "\(kind): SNP count \(ours.snpCount) not in GEMMA's log")
        }
    }

    func testMatchesBruteForceDoubleDefinition() throws {
        let sim = try SimulatedGenotypes.write(folder: folder, individuals: 61, snps: 700, seed: 8)
        let bed = try PlinkDataset(prefix: sim.prefix).bed
        let analysed = gemmaAnalysed(sim)
        for kind in GRMKind.allCases {
            var builder = GRMBuilder(bed: bed, analysed: analysed, kind: kind)
            builder.blockSize = 50
            builder.panelWidth = 17
            let ours = builder.grm()
            let (reference, used) = sim.referenceGRM(kind: kind.gemmaCode, analysed: analysed)
            XCTAssertEqual(ours.snpCount, used)
            XCTAssertLessThan(maxAbsDifference(ours.matrix, reference), 5e-7, "\(kind)")
        }
        // A subset of individuals in a chosen order, with their own filters.
        let rows = [60, 3, 5, 8, 13, 21, 34, 55, 1, 2, 0, 40, 41]
        let flags = rows.map { $0 % 2 == 0 }
        let builder = GRMBuilder(bed: bed, individuals: rows, analysed: flags, kind: .standardized,
                                 filter: SNPFilter(minAlleleFrequency: 0.05, maxMissingFraction: 0.1))
        let ours = builder.grm()
        let (reference, used) = sim.referenceGRM(kind: 2, analysed: flags, rows: rows, maf: 0.05, miss: 0.1)
        XCTAssertEqual(ours.snpCount, used)
        XCTAssertLessThan(maxAbsDifference(ours.matrix, reference), 5e-7)
    }

    /// The Float kernel's error bound: with full-size blocks (2,048 SNPs summed in Float),
    /// standardised rare SNPs and near-duplicate pairs (the worst case for Float sums: large
    /// positive terms), the GRM stays within 5e-7 of the all-Double definition (measured
    /// 1.5–2.5e-7 for block sizes 256 to 8,192: the error comes from BLAS's Float partial sums).
    func testFloatBlocksStayWithinBoundOfDouble() throws {
        let sim = try SimulatedGenotypes.write(folder: folder, individuals: 40, snps: 4100, seed: 21)
        let bed = try PlinkDataset(prefix: sim.prefix).bed
        let all = [Bool](repeating: true, count: 40)
        for kind in GRMKind.allCases {
            let ours = GRMBuilder(bed: bed, kind: kind).grm()
            let (reference, _) = sim.referenceGRM(kind: kind.gemmaCode, analysed: all)
            XCTAssertLessThan(maxAbsDifference(ours.matrix, reference), 5e-7, "\(kind)")
        }
    }

    /// Filter boundaries decided against the Debian GEMMA: exactly 5% missing and a frequency of
    /// exactly 0.01 or 0.99 are kept; 6% missing and 0.005 are dropped; all-heterozygous is dropped.
    func testFilterBoundariesAgreeWithGEMMA() throws {
        let n = 100
        var rows: [[Int8]] = []
        var g = SeededGenerator(seed: 4)
        func common() -> [Int8] { (0..<n).map { _ in Int8((g.uniform() < 0.4 ? 1 : 0) + (g.uniform() < 0.4 ? 1 : 0)) } }
        var r = common(); for i in 0..<5 { r[i] = -1 }; rows.append(r)     // 5% missing: kept
        r = common(); for i in 0..<6 { r[i] = -1 }; rows.append(r)         // 6%: dropped
        r = [Int8](repeating: 0, count: n); r[0] = 1; r[1] = 1; rows.append(r)  // af 0.01: kept
        r = [Int8](repeating: 0, count: n); r[0] = 1; rows.append(r)       // af 0.005: dropped
        r = [Int8](repeating: 2, count: n); r[0] = 1; r[1] = 1; rows.append(r)  // af 0.99: kept
        rows.append([Int8](repeating: 1, count: n))                         // one class: dropped
        for _ in 0..<10 { rows.append(common()) }
        let fam = (0..<n).map { FamRecord(fid: "F\($0)", iid: "I\($0)", sex: 1, phenotype: "1") }
        try AtomicFile.write(PlinkBedWriter.encode(snpMajor: rows, individuals: n), to: folder + "/b.bed")
        try AtomicFile.write((0..<rows.count).map { "1\tr\($0)\t0\t\($0 + 1)\tA\tG\n" }.joined(), to: folder + "/b.bim")
        try AtomicFile.write(PlinkFam.text(fam), to: folder + "/b.fam")
        let log = try runTool("gemma", ["-bfile", "b", "-gk", "1", "-o", "b", "-outdir", "out"], in: folder)
        XCTAssert(log.contains("number of analyzed SNPs         =       13"), log)
        let ours = GRMBuilder(bed: try PlinkDataset(prefix: folder + "/b").bed, kind: .centered).grm()
        XCTAssertEqual(ours.snpCount, 13)
        let theirs = try GEMMAMatrixText.readSquare(path: folder + "/out/b.cXX.txt")
        XCTAssertLessThanOrEqual(maxAbsDifference(ours.matrix, theirs), 1e-6)
    }

    func testPartialSumsOverDisjointSNPsMergeToTheWhole() throws {
        let sim = try SimulatedGenotypes.write(folder: folder, individuals: 33, snps: 500, seed: 5)
        let bed = try PlinkDataset(prefix: sim.prefix).bed
        var builder = GRMBuilder(bed: bed, kind: .standardized)
        builder.blockSize = 64
        let whole = builder.partialSum(snps: Array(0..<500))
        let pieces = (1...4).map { builder.piece($0, of: 4, snps: Array(0..<500)) }
        XCTAssertEqual(pieces.flatMap { $0 }, Array(0..<500))
        XCTAssertEqual(builder.piece(9, of: 9, snps: Array(0..<500)), Array(448..<500))
        XCTAssert(builder.piece(1, of: 9, snps: Array(0..<500)).isEmpty, "more parts than blocks leaves some empty")
        let parts = pieces.map { builder.partialSum(snps: $0) }
        let merged = parts.dropFirst().reduce(parts[0]) { $0.merged(with: $1) }
        XCTAssertEqual(merged.snpCount, whole.snpCount)
        XCTAssertLessThanOrEqual(maxAbsDifference(merged.grm.matrix, whole.grm.matrix), 1e-12)
    }
}
