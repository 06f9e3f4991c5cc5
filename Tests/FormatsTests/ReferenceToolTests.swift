import XCTest
import Formats
import Numerics

/// Files written by plink1.9, plink2 and GEMMA from a simulated dataset, read back by our readers
/// and checked against independent computations. Skipped only when a tool is not installed.
final class ReferenceToolTests: XCTestCase {
    var folder: TemporaryFolder!
    override func setUpWithError() throws { folder = try TemporaryFolder("tools") }
    override func tearDown() { folder.remove() }

    /// A simulated dataset: three populations of unequal size and drift (so the top two PCs are
    /// clear), 1% missing genotypes, varied allele letters, a quantitative `.fam` phenotype.
    struct Simulated {
        let prefix: String
        let fam: [FamRecord]
        let bim: [BimRecord]
        /// SNP-major A1 counts, -1 missing.
        let genotypes: [[Int8]]
    }

    func simulate(n: Int = 240, m: Int = 2000, seed: UInt64 = 7) throws -> Simulated {
        var g = SeededGenerator(seed: seed)
        let sizes = [n / 2, n / 3, n - n / 2 - n / 3]
        let drift = [0.02, 0.12, 0.2]
        let population = sizes.enumerated().flatMap { k, size in [Int](repeating: k, count: size) }
        let fam = (0..<n).map { i in
            FamRecord(fid: "P\(population[i])F\(i / 2)", iid: "I\(i)", sex: 1 + i % 2,
                      phenotype: String(format: "%.4f", g.normal()))
        }
        let pairs = [("A", "G"), ("C", "T"), ("A", "C"), ("G", "T"), ("T", "A")]
        var bim: [BimRecord] = []
        var genotypes: [[Int8]] = []
        for s in 0..<m {
            let (a1, a2) = pairs[Int(g.next() % UInt64(pairs.count))]
            bim.append(BimRecord(chromosome: "\(1 + s * 2 / m)", id: "rs\(s + 1)", position: 1000 * (s + 1), allele1: a1, allele2: a2))
            let base = 0.1 + 0.8 * g.uniform()
            let freqs = drift.map { min(0.98, max(0.02, base + $0 * g.normal())) }
            genotypes.append((0..<n).map { i in
                if g.uniform() < 0.01 { return -1 }
                let p = freqs[population[i]]
                return Int8((g.uniform() < p ? 1 : 0) + (g.uniform() < p ? 1 : 0))
            })
        }
        let prefix = folder.path + "/sim"
        try AtomicFile.write(PlinkBedWriter.encode(snpMajor: genotypes, individuals: n), to: prefix + ".bed")
        try AtomicFile.write(PlinkBim.text(bim), to: prefix + ".bim")
        try AtomicFile.write(PlinkFam.text(fam), to: prefix + ".fam")
        return Simulated(prefix: prefix, fam: fam, bim: bim, genotypes: genotypes)
    }

    /// Runs an installed tool in the test folder; skips the test when the tool is absent.
    func run(_ tool: String, _ arguments: [String]) throws {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin")
            .split(separator: ":").map { "\($0)/\(tool)" }.first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        guard let path else { throw XCTSkip("\(tool) is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
        let log = folder.path + "/\(tool).stdout"
        FileManager.default.createFile(atPath: log, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: log)
        process.standardError = process.standardOutput
        try process.run()
        process.waitUntilExit()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        XCTAssertEqual(process.terminationStatus, 0, "\(tool) \(arguments.joined(separator: " ")) failed:\n\(output.suffix(2000))")
    }

    /// Our decoded genotypes, checked against the simulation as a guard for the rest of the test.
    func decoded(_ sim: Simulated) throws -> (PlinkDataset, [[Float]]) {
        let data = try PlinkDataset(prefix: sim.prefix)
        let n = data.fam.count
        var columns: [[Float]] = []
        var col = [Float](repeating: 0, count: n)
        for s in 0..<data.bim.count {
            col.withUnsafeMutableBufferPointer { data.bed.decode(snp: s, into: $0.baseAddress!) }
            columns.append(col)
        }
        return (data, columns)
    }

    /// Both PLINKs' leading PCs span the same plane as the top two eigenvectors of the
    /// variance-standardized relationship matrix we compute from our decoded genotypes with LAPACK.
    func testPlinkPCAEigenvectorFilesAgreeWithOurEigendecomposition() throws {
        let sim = try simulate()
        try run("plink2", ["--bfile", sim.prefix, "--pca", "5", "--threads", "1", "--out", folder.path + "/p2"])
        try run("plink1.9", ["--bfile", sim.prefix, "--pca", "5", "--threads", "1", "--out", folder.path + "/p1"])
        let (data, columns) = try decoded(sim)
        let n = data.fam.count, m = columns.count
        var z = Matrix<Double>(rows: n, columns: m)
        for (s, col) in columns.enumerated() {
            let present = col.filter { !$0.isNaN }
            let p = Double(present.reduce(0, +)) / Double(2 * present.count)
            let sd = (2 * p * (1 - p)).squareRoot()
            for i in 0..<n where !col[i].isNaN { z[i, s] = (Double(col[i]) - 2 * p) / sd }
        }
        var k = Matrix<Double>(rows: n, columns: n)
        BLAS.syrk(z, into: &k, alpha: 1 / Double(m))
        let eig = try LAPACK.symmetricEigen(k)
        let top = [eig.vectors.column(n - 1), eig.vectors.column(n - 2)]
        XCTAssertGreaterThan(eig.values[n - 2], 2 * eig.values[n - 3], "the simulation should give two clear PCs")

        for (name, format) in [("p2.eigenvec", EigenvectorFormat.plink2), ("p1.eigenvec", .plink19)] {
            let e = try Eigenvectors.read(path: folder.path + "/" + name)
            XCTAssertEqual(e.format, format, name)
            XCTAssertEqual(e.vectors.columns, 5, name)
            let (v, match) = try e.aligned(to: data.fam)
            XCTAssertEqual(match, SampleMatch(famIndividuals: n, matched: n), name)
            for pc in 0..<2 {
                let x = v.column(pc)
                let norm = x.reduce(0) { $0 + $1 * $1 }.squareRoot()
                let projection = top.map { u in zip(u, x).reduce(0) { $0 + $1.0 * $1.1 } / norm }
                let inPlane = projection.reduce(0) { $0 + $1 * $1 }.squareRoot()
                XCTAssertGreaterThan(inPlane, 0.995, "\(name) PC\(pc + 1) lies outside our top-2 eigenvector plane")
            }
        }
    }

    /// GEMMA's `-eigen` files: U orthonormal and U diag(D) Uᵀ equal to the `.cXX.txt` it decomposed.
    func testGemmaEigenFilesReconstructTheRelatednessMatrix() throws {
        let sim = try simulate(n: 120, m: 800)
        try run("gemma", ["-bfile", sim.prefix, "-gk", "1", "-o", "k", "-outdir", folder.path])
        try run("gemma", ["-bfile", sim.prefix, "-k", folder.path + "/k.cXX.txt", "-eigen", "-o", "e", "-outdir", folder.path])
        let e = try Eigenvectors.read(path: folder.path + "/e")
        XCTAssertEqual(e.format, .gemma)
        let n = sim.fam.count
        let u = try e.aligned(to: sim.fam).values
        let d = try XCTUnwrap(e.eigenvalues)
        XCTAssertEqual(u.rows, n); XCTAssertEqual(u.columns, n); XCTAssertEqual(d.count, n)
        var kernel: [[Double]] = []
        for line in try TextLines(path: folder.path + "/k.cXX.txt") { kernel.append(line.fields.map { Double($0)! }) }
        XCTAssertEqual(kernel.count, n)
        var scaled = u
        for j in 0..<n { for i in 0..<n { scaled[i, j] *= d[j] } }
        let rebuilt = BLAS.product(scaled, u, transB: .transposed)
        let gram = BLAS.product(u, u, transA: .transposed)
        var worstK = 0.0, worstI = 0.0
        for i in 0..<n {
            for j in 0..<n {
                worstK = max(worstK, abs(rebuilt[i, j] - kernel[i][j]))
                worstI = max(worstI, abs(gram[i, j] - (i == j ? 1 : 0)))
            }
        }
        XCTAssertLessThan(worstI, 1e-5)
        XCTAssertLessThan(worstK, 1e-5)
        // The leading component is the one with the largest eigenvalue, wherever GEMMA put it.
        XCTAssertEqual(try e.leadingColumns(1), [d.indices.max(by: { d[$0] < d[$1] })!])
    }

    /// Our A1 frequencies and non-missing allele counts equal plink1.9 `--freq`, whose A1 may be
    /// either `.bim` allele (it reports the minor one).
    func testA1FrequenciesMatchPlink19Freq() throws {
        let sim = try simulate()
        try run("plink1.9", ["--bfile", sim.prefix, "--freq", "--out", folder.path + "/f"])
        let (data, columns) = try decoded(sim)
        let rows = Array(try TextLines(path: folder.path + "/f.frq")).dropFirst()
        XCTAssertEqual(rows.count, data.bim.count)
        for (s, row) in rows.enumerated() {
            let f = row.fields  // CHR SNP A1 A2 MAF NCHROBS
            XCTAssertEqual(String(f[1]), data.bim[s].id)
            let present = columns[s].filter { !$0.isNaN }
            let a1 = Double(present.reduce(0, +)) / Double(2 * present.count)
            let reported = Double(f[4])!
            let expected: Double
            if String(f[2]) == data.bim[s].allele1 { expected = a1 } else {
                XCTAssertEqual(String(f[2]), data.bim[s].allele2, "SNP \(s)")
                expected = 1 - a1
            }
            XCTAssertEqual(reported, expected, accuracy: 5e-4 * max(expected, 0.01), "SNP \(s)")
            XCTAssertEqual(Int(f[5]), 2 * present.count, "SNP \(s)")
        }
    }

    /// Every decoded genotype equals plink1.9 `--recode A`, which counts the allele named in each column header.
    func testGenotypesMatchPlink19RecodeA() throws {
        let sim = try simulate(n: 90, m: 300)
        try run("plink1.9", ["--bfile", sim.prefix, "--recode", "A", "--out", folder.path + "/r"])
        let (data, columns) = try decoded(sim)
        let lines = Array(try TextLines(path: folder.path + "/r.raw"))
        let header = lines[0].fields
        XCTAssertEqual(header.count, 6 + data.bim.count)
        XCTAssertEqual(lines.count, 1 + data.fam.count)
        for s in 0..<data.bim.count {
            let name = header[6 + s]
            let counted = String(name[name.index(after: name.lastIndex(of: "_")!)...])
            XCTAssertEqual(String(name.prefix(upTo: name.lastIndex(of: "_")!)), data.bim[s].id)
            let countsA1 = counted == data.bim[s].allele1
            XCTAssert(countsA1 || counted == data.bim[s].allele2)
            for i in 0..<data.fam.count {
                let cell = lines[1 + i].fields[6 + s]
                let ours = columns[s][i]
                if cell == "NA" { XCTAssert(ours.isNaN, "SNP \(s) individual \(i)"); continue }
                XCTAssertEqual(Float(cell)!, countsA1 ? ours : 2 - ours, "SNP \(s) individual \(i)")
            }
            // The decoder agrees with what was written, so plink and the simulation agree too.
            for i in 0..<data.fam.count {
                let g = sim.genotypes[s][i]
                XCTAssert(g < 0 ? columns[s][i].isNaN : columns[s][i] == Float(g))
            }
        }
    }

    /// `.bed` files written by plink2 and plink1.9 decode to the same genotypes (plink1.9 may swap
    /// A1/A2 to make A1 minor; the `.bim` it writes says so).
    func testBedFilesWrittenByPlinkDecodeToTheSameGenotypes() throws {
        let sim = try simulate(n: 101, m: 200)
        try run("plink2", ["--bfile", sim.prefix, "--make-bed", "--out", folder.path + "/m2"])
        try run("plink1.9", ["--bfile", sim.prefix, "--make-bed", "--out", folder.path + "/m1"])
        let (_, original) = try decoded(sim)
        for prefix in ["m2", "m1"] {
            let data = try PlinkDataset(prefix: folder.path + "/" + prefix)
            XCTAssertEqual(data.fam.map(\.iid), sim.fam.map(\.iid))
            var col = [Float](repeating: 0, count: data.fam.count)
            for s in 0..<data.bim.count {
                col.withUnsafeMutableBufferPointer { data.bed.decode(snp: s, into: $0.baseAddress!) }
                let swapped = data.bim[s].allele1 != sim.bim[s].allele1
                if swapped { XCTAssertEqual(data.bim[s].allele1, sim.bim[s].allele2) }
                for i in 0..<col.count {
                    let want = original[s][i]
                    XCTAssert(want.isNaN ? col[i].isNaN : col[i] == (swapped ? 2 - want : want), "\(prefix) SNP \(s) individual \(i)")
                }
            }
        }
    }
}
