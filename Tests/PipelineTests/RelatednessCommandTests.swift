import Formats
import Foundation
import Numerics
import Relatedness
import XCTest

/// `gwasflow grm`, `grm-merge` and `eigen` run as a user would, against `gemma -gk 1/-gk 2` and
/// `gemma -eigen` on the same files, and PC relatedness from a PLINK 2 `.eigenvec`.
final class RelatednessCommandTests: XCTestCase {
    /// Writes `dir/name.{bed,bim,fam}`: two populations (allele frequencies differ by SNP), every
    /// 12th individual half a copy of the previous one, one SNP in 8 rare (frequency < 3%, some
    /// below GEMMA's 1% cut), missing genotypes at 0–8% per SNP (some above GEMMA's 5% cut), and
    /// `.fam` phenotypes missing (`-9`, `NA`) for every 9th individual from 4 and from 7.
    private func writeData(_ dir: URL, name: String = "sim", individuals n: Int, snps m: Int, seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        var snpMajor: [[Int8]] = []
        snpMajor.reserveCapacity(m)
        for s in 0..<m {
            let base = s % 8 == 3 ? 0.03 * random.uniform() : 0.05 + 0.45 * random.uniform()
            let other = min(0.95, max(0, base + 0.1 * random.normal()))
            let missing = [0.0, 0.02, 0.04, 0.05, 0.08][s % 5]
            var genotypes = [Int8](repeating: 0, count: n)
            for i in 0..<n {
                let p = i < n / 2 ? base : other
                genotypes[i] = Int8((random.uniform() < p ? 1 : 0) + (random.uniform() < p ? 1 : 0))
                if i % 12 == 11 && random.uniform() < 0.5 { genotypes[i] = genotypes[i - 1] }
                if random.uniform() < missing { genotypes[i] = -1 }
            }
            snpMajor.append(genotypes)
        }
        let prefix = dir.appendingPathComponent(name).path
        try AtomicFile.write(PlinkBedWriter.encode(snpMajor: snpMajor, individuals: n), to: prefix + ".bed")
        try AtomicFile.write((0..<m).map { "\(1 + 2 * $0 / m)\tsnp\($0)\t0\t\(5000 + 100 * $0)\tC\tT\n" }.joined(), to: prefix + ".bim")
        let fam = (0..<n).map { i -> FamRecord in
            let phenotype = i % 9 == 4 ? "-9" : (i % 9 == 7 ? "NA" : String(format: "%.3f", random.normal()))
            return FamRecord(fid: "fam\(i / 3)", iid: "ind\(i)", sex: 1 + i % 2, phenotype: phenotype)
        }
        try AtomicFile.write(PlinkFam.text(fam), to: prefix + ".fam")
    }

    private func run(_ arguments: [String], in dir: URL, file: StaticString = #filePath, line: UInt = #line) throws -> GWASFlowProcess.Result {
        let result = try GWASFlowProcess.run(arguments + ["--quiet"], in: dir)
        XCTAssertEqual(result.status, 0, "gwasflow \(arguments.joined(separator: " ")): \(result.stderr)", file: file, line: line)
        return result
    }

    private func gemma(_ arguments: [String], in dir: URL, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let result = try GWASFlowProcess.runTool("gemma", arguments + ["-outdir", "gemma"], in: dir)
        XCTAssertEqual(result.status, 0, "gemma \(arguments.joined(separator: " ")): \(result.stdout) \(result.stderr)", file: file, line: line)
        return result.stdout + result.stderr
    }

    private func square(_ dir: URL, _ name: String) throws -> Matrix<Double> {
        try GEMMAMatrixText.readSquare(path: dir.appendingPathComponent(name).path)
    }

    private func maxAbsDifference(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Double {
        XCTAssertEqual(a.rows, b.rows)
        XCTAssertEqual(a.columns, b.columns)
        return zip(a.storage, b.storage).map { abs($0 - $1) }.max() ?? .infinity
    }

    /// The figure `key: value` of a gwasflow log.
    private func logFigure(_ dir: URL, _ log: String, _ key: String) throws -> String? {
        let text = try String(contentsOf: dir.appendingPathComponent(log), encoding: .utf8)
        return text.split(separator: "\n").first { $0.hasPrefix(key + ": ") }.map { String($0.dropFirst(key.count + 2)) }
    }

    func testGRMMatchesGEMMAEveryEntryForBothKinds() throws {
        let dir = try temporaryFolder(self)
        try writeData(dir, individuals: 130, snps: 1600, seed: 11)
        for kind in GRMKind.allCases {
            let log = try gemma(["-bfile", "sim", "-gk", "\(kind.gemmaCode)", "-o", "g"], in: dir)
            _ = try run(["grm", "--bfile", "sim", "--kind", kind.rawValue, "--out", "ours/q"], in: dir)
            let theirs = try square(dir, "gemma/g.\(kind.gemmaInfix).txt")
            let ours = try square(dir, "ours/q.\(kind.gemmaInfix).txt")
            XCTAssertEqual(ours.rows, 130)
            XCTAssertLessThanOrEqual(maxAbsDifference(ours, theirs), 1e-6, "\(kind)")
            let used = try XCTUnwrap(try logFigure(dir, "ours/q.log", "SNPs used"))
            let gemmaUsed = log.split(separator: "\n").first { $0.contains("number of analyzed SNPs") }?.split(separator: "=").last
            XCTAssertEqual(gemmaUsed.map { $0.trimmingCharacters(in: .whitespaces) }, used, "\(kind): GEMMA's SNP count")
            // The filters removed rare and too-often-missing SNPs, and decided on phenotyped individuals only.
            XCTAssertLessThan(Int(used)!, 1400)
            // GCTA binary: the same matrix in Float32.
            _ = try run(["grm", "--bfile", "sim", "--kind", kind.rawValue, "--format", "gcta", "--out", "ours/b"], in: dir)
            let binary = try GCTAGRMFiles.read(prefix: dir.appendingPathComponent("ours/b").path)
            XCTAssertLessThanOrEqual(maxAbsDifference(binary.matrix, theirs), 1e-6, "\(kind) gcta")
            XCTAssertEqual(binary.ids.last?.iid, "ind129")
        }
    }

    /// `--keep`, `--chr` and `--extract` give GEMMA's matrix for the corresponding PLINK subset.
    func testKeepAndChromosomeSelectionMatchGEMMAOnTheSubset() throws {
        let dir = try temporaryFolder(self)
        try writeData(dir, individuals: 90, snps: 900, seed: 5)
        let kept = (0..<90).filter { $0 % 4 != 1 }
        try AtomicFile.write(kept.map { "fam\($0 / 3) ind\($0)\n" }.joined() + "nobody here\n", to: dir.appendingPathComponent("keep.txt").path)
        // Every third SNP, plus an ID the .bim lacks.
        try AtomicFile.write(stride(from: 0, to: 900, by: 3).map { "snp\($0)\n" }.joined() + "rs404\n", to: dir.appendingPathComponent("snps.txt").path)
        let plink = try GWASFlowProcess.runTool("plink2", ["--bfile", "sim", "--keep", "keep.txt", "--chr", "2", "--extract", "snps.txt", "--make-bed",
                                                           "--out", "sub", "--threads", "1"], in: dir)
        XCTAssertEqual(plink.status, 0, plink.stdout)
        _ = try gemma(["-bfile", "sub", "-gk", "1", "-o", "sub"], in: dir)
        _ = try run(["grm", "--bfile", "sim", "--keep", "keep.txt", "--chr", "chr2", "--extract", "snps.txt", "--out", "ours/k"], in: dir)
        XCTAssertEqual(try logFigure(dir, "ours/k.log", "SNPs extracted"), "150 (1 listed IDs not in the .bim)")
        let ours = try square(dir, "ours/k.cXX.txt")
        XCTAssertEqual(ours.rows, kept.count)
        XCTAssertLessThanOrEqual(maxAbsDifference(ours, try square(dir, "gemma/sub.cXX.txt")), 1e-6)
    }

    /// Eigenvalues within 1e-6 of GEMMA's and, for eigenvalues apart from their neighbours,
    /// |u · u_gemma| = 1, both from a GRM file and with the GRM built from `--bfile`; as GEMMA,
    /// only the individuals with a `.fam` phenotype are decomposed.
    func testEigenMatchesGEMMAEigen() throws {
        let dir = try temporaryFolder(self)
        try writeData(dir, individuals: 110, snps: 1200, seed: 3)
        _ = try gemma(["-bfile", "sim", "-gk", "1", "-o", "g"], in: dir)
        _ = try gemma(["-bfile", "sim", "-k", "gemma/g.cXX.txt", "-eigen", "-o", "e"], in: dir)
        let theirs = try GEMMAEigenFiles.read(prefix: dir.appendingPathComponent("gemma/e").path)
        let phenotyped = (0..<110).filter { $0 % 9 != 4 && $0 % 9 != 7 }.count
        XCTAssertEqual(theirs.count, phenotyped)
        _ = try run(["eigen", "--grm", "gemma/g.cXX.txt", "--bfile", "sim", "--out", "ours/e"], in: dir)
        _ = try run(["eigen", "--bfile", "sim", "--out", "ours/b"], in: dir)
        for prefix in ["ours/e", "ours/b"] {
            let ours = try GEMMAEigenFiles.read(prefix: dir.appendingPathComponent(prefix).path)
            XCTAssertEqual(ours.count, theirs.count, prefix)
            for k in 0..<ours.count { XCTAssertEqual(ours.values[k], theirs.values[k], accuracy: 1e-6, "\(prefix) eigenvalue \(k)") }
            XCTAssertEqual(ours.zeroedCount, theirs.zeroedCount, prefix)
            var compared = 0
            for k in 0..<ours.count {
                let below = k > 0 ? theirs.values[k] - theirs.values[k - 1] : .infinity
                let above = k + 1 < ours.count ? theirs.values[k + 1] - theirs.values[k] : .infinity
                guard min(below, above) > 1e-3 else { continue }
                var dot = 0.0
                for i in 0..<ours.count { dot += ours.vectors[i, k] * theirs.vectors[i, k] }
                XCTAssertEqual(abs(dot), 1, accuracy: 1e-6, "\(prefix) vector \(k)")
                compared += 1
            }
            XCTAssertGreaterThan(compared, ours.count / 2, prefix)
        }
    }

    /// Three parts merged give the one-shot matrix: the sums agree to ≤ 1e-12 (RelatednessTests), so
    /// the `%.10g` texts are identical except where a last digit rounds the other way.
    func testPartsMergeToTheOneShotMatrix() throws {
        let dir = try temporaryFolder(self)
        try writeData(dir, individuals: 50, snps: 7000, seed: 8)  // 4 blocks of 2,048 SNPs
        _ = try run(["grm", "--bfile", "sim", "--kind", "standardized", "--out", "one"], in: dir)
        for i in 1...3 { _ = try run(["grm", "--bfile", "sim", "--kind", "standardized", "--part", "\(i)/3", "--out", "q"], in: dir) }
        let partFiles = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("q.part") }.sorted()
        XCTAssertEqual(partFiles.count, 6, "three .grmpart files and their logs: \(partFiles)")
        let used = try (1...3).map { Int(try XCTUnwrap(try logFigure(dir, "q.part\($0)of3.log", "SNPs used")))! }
        XCTAssert(used.allSatisfy { $0 > 0 }, "every part has SNPs: \(used)")
        XCTAssertEqual(used.reduce(0, +), Int(try XCTUnwrap(try logFigure(dir, "one.log", "SNPs used")))!)
        _ = try run(["grm-merge"] + partFiles.reversed() + ["--out", "merged"], in: dir)
        let one = try String(contentsOf: dir.appendingPathComponent("one.sXX.txt"), encoding: .utf8)
        let merged = try String(contentsOf: dir.appendingPathComponent("merged.sXX.txt"), encoding: .utf8)
        let a = one.split(whereSeparator: { $0 == "\t" || $0 == "\n" }), b = merged.split(whereSeparator: { $0 == "\t" || $0 == "\n" })
        XCTAssertEqual(a.count, 2500)
        XCTAssertEqual(a.count, b.count)
        var differing = 0
        for (x, y) in zip(a, b) where x != y {
            differing += 1
            XCTAssertEqual(Double(x)!, Double(y)!, accuracy: 2e-10 * max(1, abs(Double(x)!)), "\(x) vs \(y)")
        }
        XCTAssertLessThanOrEqual(differing, 5)
        // A missing part is a one-line error.
        let result = try GWASFlowProcess.run(["grm-merge", "q.part1of3.grmpart", "q.part3of3.grmpart", "--out", "bad"], in: dir)
        XCTAssertEqual(result.status, 2)
        XCTAssert(result.stderr.contains("missing parts of 3: 2"), result.stderr)
    }

    /// The factor from a PLINK 2 `.eigenvec` reproduces the Pearson correlation of eigenvalue-weighted
    /// scores; the n × n file only appears with `--dense`, and equals W Wᵀ.
    func testPCRelatednessFromPlinkEigenvec() throws {
        let dir = try temporaryFolder(self)
        try writeData(dir, individuals: 80, snps: 600, seed: 2)
        let pca = try GWASFlowProcess.runTool("plink2", ["--bfile", "sim", "--pca", "10", "--out", "p", "--threads", "1"], in: dir)
        XCTAssertEqual(pca.status, 0, pca.stdout)
        _ = try run(["grm", "--pcs", "p.eigenvec", "--n-pcs", "6", "--pc-scale", "eigenvalue", "--out", "f"], in: dir)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("f.pcrel.txt").path))
        _ = try run(["grm", "--pcs", "p.eigenvec", "--n-pcs", "6", "--pc-scale", "eigenvalue", "--dense", "--out", "d"], in: dir)
        let factor = try PCFactorFile.read(path: dir.appendingPathComponent("f.pcfactor.tsv").path)
        XCTAssertEqual(factor.factor.columns, 6)
        XCTAssertEqual(factor.ids.map(\.iid), (0..<80).map { "ind\($0)" })
        let dense = try square(dir, "d.pcrel.txt")
        let pcs = try Eigenvectors.read(path: dir.appendingPathComponent("p.eigenvec").path)
        let lambda = try XCTUnwrap(try pcs.columnEigenvalues())
        func pearson(_ i: Int, _ j: Int) -> Double {
            let x = (0..<6).map { pcs.vectors[i, $0] * lambda[$0] }, y = (0..<6).map { pcs.vectors[j, $0] * lambda[$0] }
            let mx = x.reduce(0, +) / 6, my = y.reduce(0, +) / 6
            let sxy = zip(x, y).map { ($0 - mx) * ($1 - my) }.reduce(0, +)
            return sxy / (x.map { ($0 - mx) * ($0 - mx) }.reduce(0, +) * y.map { ($0 - my) * ($0 - my) }.reduce(0, +)).squareRoot()
        }
        for i in 0..<80 {
            for j in 0..<80 {
                var w = 0.0
                for c in 0..<6 { w += factor.factor[i, c] * factor.factor[j, c] }
                XCTAssertEqual(w, pearson(i, j), accuracy: 1e-10, "factor \(i) \(j)")
                XCTAssertEqual(dense[i, j], w, accuracy: 1e-9, "dense \(i) \(j)")
            }
        }
    }

    /// The factor path forms nothing n × n: 20,000 individuals × 40 PCs run under a 2 GB address-space
    /// limit, where one n × n Double matrix (3.2 GB) cannot be allocated — as the `--dense` control
    /// run shows by failing. (The benchmark runs n = 100,000: docs/benchmarks/relatedness.md.)
    func testPCRelatednessFactorFormsNothingNByN() throws {
        let dir = try temporaryFolder(self)
        let n = 20_000, k = 40
        var random = SeededGenerator(seed: 4)
        var text = "#FID\tIID" + (1...k).map { "\tPC\($0)" }.joined() + "\n"
        text.reserveCapacity(n * k * 10)
        for i in 0..<n {
            text += "f\(i)\ti\(i)"
            for _ in 0..<k { text += "\t\((random.normal() * 1e5).rounded() / 1e5)" }
            text += "\n"
        }
        try AtomicFile.write(text, to: dir.appendingPathComponent("big.eigenvec").path)
        let binary = try GWASFlowProcess.executable.path
        func limited(_ arguments: String) throws -> GWASFlowProcess.Result {
            try GWASFlowProcess.run(program: URL(fileURLWithPath: "/bin/sh"),
                                    ["-c", "ulimit -v 2000000 && SWIFT_BACKTRACE=enable=no exec \"$0\" grm --pcs big.eigenvec --n-pcs \(k) --quiet \(arguments)", binary], in: dir)
        }
        let result = try limited("--out big")
        XCTAssertEqual(result.status, 0, result.stderr)
        let factor = try PCFactorFile.read(path: dir.appendingPathComponent("big.pcfactor.tsv").path)
        XCTAssertEqual(factor.factor.rows, n)
        XCTAssertEqual(factor.factor.columns, k)
        for i in stride(from: 0, to: n, by: 997) {
            let norm = (0..<k).map { factor.factor[i, $0] * factor.factor[i, $0] }.reduce(0, +)
            XCTAssertEqual(norm, 1, accuracy: 1e-12, "G_ii = 1 for row \(i)")
        }
        XCTAssertNotEqual(try limited("--dense --out dense").status, 0, "the n × n matrix should not fit under the limit")
    }
}
