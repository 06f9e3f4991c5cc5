import XCTest
import Formats
import Numerics
@testable import Relatedness

final class GRMFileTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws { folder = try temporaryFolder("grmfiles") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    func testNumberFormatIsCPercentTenG() {
        var g = SeededGenerator(seed: 2)
        var values: [Double] = [1, -1, 0.5, 0.1, 1e-5, 1e-4, 9.9999999995e-5, 0.00012345678915, 123456789.5,
                                1234567890, 12345678901, 9999999999.5, 0.3333333333333333, 2.5e-300, 1e300,
                                .nan, .infinity, -.infinity, -0.0, 0.0, 1.0000000005, 0.99999999995]
        for _ in 0..<20_000 {
            let scale = pow(10, Double(Int(g.next() % 30)) - 15)
            values.append((g.uniform() * 2 - 1) * scale)
        }
        for v in values {
            XCTAssertEqual(GEMMANumberFormat.string(v), String(format: "%.10g", v), "\(v)")
        }
    }

    func testMatrixTextRoundTripsAndRejectsBadInput() throws {
        var g = SeededGenerator(seed: 3)
        let m = Matrix<Double>(rows: 4, columns: 3, storage: (0..<12).map { _ in g.normal() })
        try GEMMAMatrixText.write(m, to: folder + "/m.txt")
        let text = try String(contentsOfFile: folder + "/m.txt", encoding: .utf8)
        XCTAssertEqual(text.split(separator: "\n").first, Substring((0..<3).map { String(format: "%.10g", m[0, $0]) }.joined(separator: "\t")))
        let back = try GEMMAMatrixText.read(path: folder + "/m.txt")
        XCTAssertEqual(back.rows, 4); XCTAssertEqual(back.columns, 3)
        for k in 0..<12 { XCTAssertEqual(back.storage[k], m.storage[k], accuracy: 1e-9 * abs(m.storage[k])) }
        XCTAssertThrowsError(try GEMMAMatrixText.readSquare(path: folder + "/m.txt")) { XCTAssert("\($0)".contains("square"), "\($0)") }
        let flipped = try GEMMAMatrixText.read(path: folder + "/m.txt", transposed: true)
        XCTAssertEqual(flipped.rows, 3); XCTAssertEqual(flipped.columns, 4)
        for i in 0..<4 { for j in 0..<3 { XCTAssertEqual(flipped[j, i], back[i, j]) } }
        try AtomicFile.write("1 2\n3 4 5\n", to: folder + "/ragged.txt")
        XCTAssertThrowsError(try GEMMAMatrixText.read(path: folder + "/ragged.txt")) { XCTAssertEqual("\($0)", folder + "/ragged.txt:2: expected 2 values (as on the first line), found 3") }
        try AtomicFile.write("1 2\n\n3 x4\n", to: folder + "/bad.txt")
        XCTAssertThrowsError(try GEMMAMatrixText.read(path: folder + "/bad.txt")) { XCTAssertEqual("\($0)", folder + "/bad.txt:3: not a finite number: 'x4'") }
        try AtomicFile.write("1 nan\n", to: folder + "/nan.txt")
        XCTAssertThrowsError(try GEMMAMatrixText.read(path: folder + "/nan.txt"))
        try AtomicFile.write("\n", to: folder + "/empty.txt")
        XCTAssertThrowsError(try GEMMAMatrixText.read(path: folder + "/empty.txt")) { XCTAssert("\($0)".contains("empty")) }
    }

    func testGCTAFilesRoundTrip() throws {
        let sim = try SimulatedGenotypes.write(folder: folder, individuals: 23, snps: 300, seed: 4)
        let grm = GRMBuilder(bed: try PlinkDataset(prefix: sim.prefix).bed, kind: .centered).grm()
        let ids = sim.fam.map { (fid: $0.fid, iid: $0.iid) }
        try GCTAGRMFiles.write(grm, ids: ids, prefix: folder + "/q")
        let back = try GCTAGRMFiles.read(prefix: folder + "/q")
        XCTAssertEqual(back.ids.map { $0.iid }, sim.fam.map { $0.iid })
        XCTAssertEqual(back.ids.map { $0.fid }, sim.fam.map { $0.fid })
        for j in 0..<23 { for i in 0..<23 {
            XCTAssertEqual(back.matrix[i, j], grm.matrix[i, j], accuracy: 1e-6 * max(1, abs(grm.matrix[i, j])))
            XCTAssertEqual(back.snpCounts?[i, j], Double(grm.snpCount))
        } }
        // Wrong size for the listed individuals.
        try AtomicFile.write([UInt8](repeating: 0, count: 12), to: folder + "/q.grm.bin")
        XCTAssertThrowsError(try GCTAGRMFiles.read(prefix: folder + "/q")) { XCTAssert("\($0)".contains("expected \(23 * 24 / 2 * 4)"), "\($0)") }
    }

    /// PLINK 1.9's `--make-grm-bin` read with our reader equals (Float32 precision) the brute-force
    /// definition PLINK 1.9 uses — A_jk = Σ z_j z_k / N_jk with z = (x − 2p)/sqrt(2p(1−p)) over the
    /// SNPs observed in both, monomorphic SNPs counted in N but adding 0, the diagonal Σ z² / N —
    /// and its own `--make-rel square` text.
    func testReadsPlinkMakeGrmBin() throws {
        let sim = try SimulatedGenotypes.write(folder: folder, individuals: 37, snps: 250, seed: 6)
        _ = try runTool("plink1.9", ["--bfile", "sim", "--make-grm-bin", "--out", "p"], in: folder)
        _ = try runTool("plink1.9", ["--bfile", "sim", "--make-rel", "square", "--out", "p"], in: folder)
        let theirs = try GCTAGRMFiles.read(prefix: folder + "/p")
        XCTAssertEqual(theirs.ids.map { $0.iid }, sim.fam.map { $0.iid })
        let n = sim.individuals
        var sum = Matrix<Double>(rows: n, columns: n), count = Matrix<Double>(rows: n, columns: n)
        for row in sim.genotypes {
            let observed = row.filter { $0 >= 0 }
            let p = Double(observed.reduce(0) { $0 + Int($1) }) / Double(2 * observed.count)
            let z = row.map { $0 < 0 || p == 0 || p == 1 ? 0 : (Double($0) - 2 * p) / (2 * p * (1 - p)).squareRoot() }
            for j in 0..<n where row[j] >= 0 { for i in 0..<n where row[i] >= 0 {
                sum[i, j] += z[i] * z[j]; count[i, j] += 1
            } }
        }
        let rel = try GEMMAMatrixText.readSquare(path: folder + "/p.rel")
        for j in 0..<n { for i in 0..<n {
            XCTAssertEqual(theirs.snpCounts?[i, j], count[i, j])
            XCTAssertEqual(theirs.matrix[i, j], sum[i, j] / count[i, j], accuracy: 2e-6)
            XCTAssertEqual(theirs.matrix[i, j], rel[i, j], accuracy: 1e-5 * max(1, abs(rel[i, j])))
            XCTAssertEqual(theirs.matrix[i, j], theirs.matrix[j, i])
        } }
    }

    /// A written matrix file is exactly C's `%.10g` of every entry, row by row, however the rows are
    /// split over threads; reading it back (and reading texts in other formats: 17 digits,
    /// exponents, signs) gives bit for bit the Double of `strtod` and of Swift's `Double(String)`,
    /// also when the file is parsed in several pieces.
    func testMatrixTextIsPrintfAndReadsExactlyInPieces() throws {
        var g = SeededGenerator(seed: 21)
        let (rows, columns) = (150, 97)
        let m = Matrix<Double>(rows: rows, columns: columns, storage: (0..<(rows * columns)).map { k in
            let magnitude = pow(10, Double(Int(g.next() % 44)) - 22)
            return k % 101 == 0 ? 0 : (g.uniform() * 2 - 1) * magnitude
        })
        for threads in [1, 3] {
            var text: [UInt8] = []
            GEMMAMatrixText.format(m, threads: threads) { text.append(contentsOf: $0) }
            let expected = (0..<rows).map { i in (0..<columns).map { String(format: "%.10g", m[i, $0]) }.joined(separator: "\t") + "\n" }.joined()
            XCTAssertEqual(String(decoding: text, as: UTF8.self), expected, "threads \(threads)")
        }
        // A square matrix (read row-major, transposed in place) and a non-square one round-trip.
        let square = Matrix<Double>(rows: 70, columns: 70, storage: (0..<4900).map { _ in g.normal() })
        for (name, matrix) in [("square", square), ("wide", m)] {
            try GEMMAMatrixText.write(matrix, to: folder + "/\(name).txt")
            let back = try GEMMAMatrixText.read(path: folder + "/\(name).txt")
            XCTAssertEqual(back.rows, matrix.rows); XCTAssertEqual(back.columns, matrix.columns)
            for j in 0..<matrix.columns { for i in 0..<matrix.rows {
                XCTAssertEqual(back[i, j].bitPattern, strtod(String(format: "%.10g", matrix[i, j]), nil).bitPattern, "\(name) \(i) \(j)")
            } }
        }
        // Texts in many formats, over 1 MB so that the reader splits the file.
        let formats = ["%.10g", "%.17g", "%.15g", "%g", "%.3e", "%.12f", "%.16E", "%+.17g"]
        var tokens: [String] = []
        var lines: [String] = []
        for i in 0..<rows {
            var line: [String] = []
            for j in 0..<columns {
                let token = String(format: formats[(i * columns + j) % formats.count], m[i, j])
                tokens.append(token)
                line.append(token)
            }
            lines.append(line.joined(separator: i % 2 == 0 ? "\t" : "  "))
        }
        let edge = ["1e-300", "-4.9406564584124654e-324", "2.2250738585072014e-308", "1.7976931348623157e308",
                    "0.1", "-0.30000000000000004", "9007199254740993", "123456789012345678901234567890",
                    "1.00000000000000011102230246251565404236316680908203125", "-0", "+7", ".5", "5.", "1E+22", "1e23",
                    "0.000000000000000000000000000001", "4.35", "-1.7976931348623157e+308", "6.02214076e23", "3.0e-5"]
        let edgeLine = (0..<columns).map { edge[$0 % edge.count] }
        lines.append(edgeLine.joined(separator: " "))
        tokens += edgeLine
        var body = lines.joined(separator: "\n") + "\n"
        while body.utf8.count < 1 << 20 + 1000 {
            body += edgeLine.joined(separator: "\t") + "\r\n"
            tokens += edgeLine
        }
        try AtomicFile.write(body, to: folder + "/many.txt")
        for threads in [1, 2, 5] {
            let back = try GEMMAMatrixText.read(path: folder + "/many.txt", threads: threads)
            XCTAssertEqual(back.columns, columns)
            XCTAssertEqual(back.rows, tokens.count / columns)
            for (k, token) in tokens.enumerated() {
                let got = back[k / columns, k % columns]
                XCTAssertEqual(got.bitPattern, strtod(token, nil).bitPattern, "\(token), threads \(threads)")
                XCTAssertEqual(got.bitPattern, Double(token)?.bitPattern, "\(token), threads \(threads)")
            }
        }
        // Leading blank lines, surrounding blanks, no final newline; and gzip.
        for name in ["loose.txt", "loose.txt.gz"] {
            try AtomicFile.write("\n \r\n\t1 -2e0 \r\n\n3\t4.", to: folder + "/" + name)
            let loose = try GEMMAMatrixText.readSquare(path: folder + "/" + name, threads: 2)
            XCTAssertEqual(loose.storage, [1, 3, -2, 4], name)
        }
        // An error far into the file names its line, whichever piece it falls in.
        let lineCount = body.utf8.filter { $0 == UInt8(ascii: "\n") }.count
        try AtomicFile.write(body + "1 2\n", to: folder + "/ragged.txt")
        for threads in [1, 4] {
            XCTAssertThrowsError(try GEMMAMatrixText.read(path: folder + "/ragged.txt", threads: threads)) {
                XCTAssertEqual("\($0)", folder + "/ragged.txt:\(lineCount + 1): expected \(columns) values (as on the first line), found 2")
            }
        }
    }

    /// The fast decimal path gives exactly `strtod`'s Double wherever it applies, and applies to every
    /// `%.10g` text of ordinary GRM and eigenvector values.
    func testExactDecimalAgreesWithStrtodBitForBit() {
        var g = SeededGenerator(seed: 17)
        var fast = 0
        for k in 0..<200_000 {
            let magnitude = pow(10, Double(Int(g.next() % 30)) - 15)
            let v = (g.uniform() - 0.5) * magnitude
            let format = ["%.10g", "%.15g", "%.17g", "%g", "%.3e", "%.12f"][k % 6]
            let text = String(format: format, v)
            let expected = strtod(text, nil)
            let got = Array(text.utf8).withUnsafeBytes { GEMMAMatrixText.exactDecimal($0) }
            if let got {
                XCTAssertEqual(got.bitPattern, expected.bitPattern, text)
                fast += 1
            } else {
                XCTAssertFalse(format == "%.10g" && abs(v) >= 1e-12, "a %.10g number of magnitude ≥ 1e-12 should take the fast path: \(text)")
            }
        }
        XCTAssertGreaterThan(fast, 100_000, "most of these texts have ≤ 15 significant digits")
        for text in ["0", "-0", "1.", ".5", "+2", "1e5", "1E-5", "00012.500", "-0.000", "123456789012345"] {
            let got = Array(text.utf8).withUnsafeBytes { GEMMAMatrixText.exactDecimal($0) }
            XCTAssertEqual(got?.bitPattern, strtod(text, nil).bitPattern, text)
        }
        for text in ["-", "1e", "1.2.3", "nan", "inf", "1x", "e5", "1234567890123456", "1e23"] {
            XCTAssertNil(Array(text.utf8).withUnsafeBytes { GEMMAMatrixText.exactDecimal($0) }, text)
        }
    }
}
