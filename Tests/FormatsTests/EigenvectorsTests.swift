import XCTest
import Formats
import Numerics

final class EigenvectorsTests: XCTestCase {
    var folder: TemporaryFolder!
    override func setUpWithError() throws { folder = try TemporaryFolder("evec") }
    override func tearDown() { folder.remove() }

    func testPlink2HeaderFormAlignsToFam() throws {
        let path = try folder.write("#FID\tIID\tPC1\tPC2\nF1\tI2\t0.5\t-0.25\nF0\tI0\t0.1\t0.2\nF7\tI7\t1\t1\n", "a.eigenvec")
        let e = try Eigenvectors.read(path: path)
        XCTAssertEqual(e.format, .plink2)
        XCTAssertEqual(e.ids, [IndividualID(fid: "F1", iid: "I2"), IndividualID(fid: "F0", iid: "I0"), IndividualID(fid: "F7", iid: "I7")])
        XCTAssertEqual(e.vectors, Matrix(rowArrays: [[0.5, -0.25], [0.1, 0.2], [1, 1]]))
        XCTAssertNil(e.eigenvalues)
        let (v, match) = try e.aligned(to: sampleFam(3))
        XCTAssert(sameValues(v.column(0), [0.1, .nan, 0.5]))
        XCTAssert(sameValues(v.column(1), [0.2, .nan, -0.25]))
        XCTAssertEqual(match, SampleMatch(famIndividuals: 3, matched: 2, unmatchedRows: 1, unmatchedExamples: ["F7 I7"]))
        XCTAssertEqual(try e.leadingColumns(1), [0])
        // PLINK 2 omits FID when all are missing, and may add SID.
        let iid = try Eigenvectors.read(path: folder.write("#IID SID PC1\nI1 s 3\nI0 s 4\n", "b.eigenvec"))
        XCTAssertEqual(iid.ids, [IndividualID(fid: nil, iid: "I1"), IndividualID(fid: nil, iid: "I0")])
        XCTAssertEqual(try iid.aligned(to: sampleFam(2)).values.column(0), [4, 3])
    }

    func testPlink19HeaderlessForm() throws {
        let e = try Eigenvectors.read(path: folder.write("F0 I1 0.3 0.4 0.5\nF0 I0 -1e-2 2 3\n", "a.eigenvec"))
        XCTAssertEqual(e.format, .plink19)
        XCTAssertEqual(e.vectors, Matrix(rowArrays: [[0.3, 0.4, 0.5], [-0.01, 2, 3]]))
        XCTAssertEqual(try e.aligned(to: sampleFam(2)).values, Matrix(rowArrays: [[-0.01, 2, 3], [0.3, 0.4, 0.5]]))
    }

    func testEigensoftEvecWithJoinedAndBareIDs() throws {
        let text = "     #eigvals:    5.5   2.25 \n    F0:I1   0.1  0.2   Case\n  I0 0.3 0.4 Control\n F1:I2 0.5 0.6 ???\n"
        let e = try Eigenvectors.read(path: folder.write(text, "a.evec"))
        XCTAssertEqual(e.format, .eigensoft)
        XCTAssertEqual(e.eigenvalues, [5.5, 2.25])
        XCTAssertEqual(try e.aligned(to: sampleFam(3)).values, Matrix(rowArrays: [[0.3, 0.4], [0.1, 0.2], [0.5, 0.6]]))
    }

    func testGemmaPairByEitherNameOrPrefixWithLeadingColumnsByEigenvalue() throws {
        let u = "0.8 0.6\n-0.6 0.8\n"
        try folder.write(u, "k.eigenU.txt")
        try folder.write("0.5\n3\n", "k.eigenD.txt")
        for name in ["k.eigenU.txt", "k.eigenD.txt", "k"] {
            let e = try Eigenvectors.read(path: folder.path + "/" + name)
            XCTAssertEqual(e.format, .gemma, name)
            XCTAssertEqual(e.path, folder.path + "/k.eigenU.txt")
            XCTAssertEqual(e.vectors, Matrix(rowArrays: [[0.8, 0.6], [-0.6, 0.8]]))
            XCTAssertEqual(e.eigenvalues, [0.5, 3])
            XCTAssertEqual(try e.leadingColumns(2), [1, 0])
        }
        XCTAssertThrowsError(try Eigenvectors.read(path: folder.path + "/k").aligned(to: sampleFam(3))) {
            XCTAssert("\($0)".contains("2 rows but 3 .fam individuals"), "\($0)")
        }
        // gzip-compressed pair.
        try folder.write(u, "z.eigenU.txt.gz")
        try folder.write("0.5\n3\n", "z.eigenD.txt.gz")
        XCTAssertEqual(try Eigenvectors.read(path: folder.path + "/z.eigenD.txt.gz").eigenvalues, [0.5, 3])
    }

    func testBadInputMessages() throws {
        func message(_ text: String, _ name: String = "bad.eigenvec") throws -> String {
            let path = try folder.write(text, name)
            do { _ = try Eigenvectors.read(path: path); return "no error" } catch let e as FormatError {
                XCTAssertFalse(e.description.contains("\n"))
                return e.description.replacingOccurrences(of: path, with: "F")
            }
        }
        XCTAssertEqual(try message(""), "F: empty file: expected eigenvectors")
        XCTAssertEqual(try message("#FID IID PC1\nF0 I0 x\n"), "F:2: column 3: expected a finite number, found 'x'")
        XCTAssertEqual(try message("#FID IID PC1 PC2\nF0 I0 1\n"), "F:2: expected 4 columns as in the header, found 3")
        XCTAssertEqual(try message("#FID IID PC1\nF0 I0 1\nF0 I1 1 2\n"), "F:3: expected 3 columns as on line 2, found 4")
        XCTAssertEqual(try message("F0 I0 1\nF0 I0 2\n"), "F:2: duplicate individual F0 I0 (first on line 1)")
        XCTAssertEqual(try message("#FID IID PC1\n"), "F: no rows after the header")
        XCTAssertEqual(try message("#FID IID\nF0 I0\n"), "F:1: header has no eigenvector columns after the IDs")
        XCTAssertEqual(try message("F0 I0\n"), "F:1: expected ID columns followed by at least one eigenvector value, found 2 columns")
        XCTAssertEqual(try message("#eigvals: 1\nI0 0.1 0.2 Case\n", "a.evec"), "F:2: 2 eigenvector columns but only 1 eigenvalues on the #eigvals: line")
        XCTAssertEqual(try message("1\n2\n"), "F:1: one number per line looks like GEMMA's .eigenD.txt (eigenvalues only); give the .eigenU.txt (eigenvectors) instead")
        XCTAssertEqual(try message("1 2 3\n4 5 6\n"), "F: expected a square matrix (GEMMA .eigenU.txt is n × n), found 2 rows of 3 values")
        try folder.write("1\n2\n3\n", "g.eigenD.txt")
        XCTAssertEqual(try message("1 0\n0 1\n", "g.eigenU.txt"), "\(folder.path)/g.eigenD.txt: 3 eigenvalues, but F has 2 eigenvectors")
    }
}
