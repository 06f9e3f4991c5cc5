import XCTest
import Formats
import Numerics

final class PhenotypeTableTests: XCTestCase {
    var folder: TemporaryFolder!
    override func setUpWithError() throws { folder = try TemporaryFolder("pheno") }
    override func tearDown() { folder.remove() }

    func testGemmaStyleRowsFollowFamAndMissingCodesBecomeNaN() throws {
        let path = try folder.write("1.5 2\nNA 3\n-9 -9.0\n\n4e1\t-2.5\n", "p.txt")
        let t = try PhenotypeTable.read(path: path, fam: sampleFam(4))
        XCTAssertEqual(t.convention, .gemma)
        XCTAssertEqual(t.names, ["pheno1", "pheno2"])
        XCTAssert(sameValues(t.values.column(0), [1.5, .nan, .nan, 40]))
        XCTAssert(sameValues(t.values.column(1), [2, 3, .nan, -2.5]))
        XCTAssertEqual(t.missingCount(column: 0), 2)
        XCTAssertEqual(t.completeRows, [0, 3])
        XCTAssertEqual(t.match, SampleMatch(famIndividuals: 4, matched: 4))
        let second = try PhenotypeTable.read(path: path, fam: sampleFam(4), columns: try ColumnSelection(parsing: "2"))
        XCTAssertEqual(second.names, ["pheno2"])
        XCTAssert(sameValues(second.values.column(0), [2, 3, .nan, -2.5]))
    }

    func testPlinkStyleMatchesByIDInAnyOrderAndReportsUnmatched() throws {
        let text = """
        #FID IID TSH FT4 note
        F1 I3 3.0 30 x
        F0 I0 1.0 NA y
        F9 I9 9.0 90 z
        F0 I1 nan -9 w
        F8 I8 8 8 v

        """
        let path = try folder.write(text, "p.tsv")
        let t = try PhenotypeTable.read(path: path, fam: sampleFam(5), columns: try ColumnSelection(parsing: "FT4,TSH"))
        XCTAssertEqual(t.convention, .plink)
        XCTAssertEqual(t.names, ["FT4", "TSH"])
        XCTAssert(sameValues(t.values.column(0), [.nan, .nan, .nan, 30, .nan]))
        XCTAssert(sameValues(t.values.column(1), [1, .nan, .nan, 3, .nan]))
        XCTAssertEqual(t.match.matched, 3)
        XCTAssertEqual(t.match.absent, 2)
        XCTAssertEqual(t.match.unmatchedRows, 2)
        XCTAssertEqual(t.match.unmatchedExamples, ["F9 I9", "F8 I8"])
        XCTAssertEqual(t.match.description, "3 of 5 .fam individuals matched; 2 absent (set missing); 2 rows not in the .fam (ignored, e.g. F9 I9, F8 I8)")
        // Positions count data columns after FID IID; the text column is never parsed unless chosen.
        let byPosition = try PhenotypeTable.read(path: path, fam: sampleFam(5), columns: try ColumnSelection(parsing: "2"))
        XCTAssertEqual(byPosition.names, ["FT4"])
        XCTAssertThrowsError(try PhenotypeTable.read(path: path, fam: sampleFam(5), columns: .names(["note"]))) {
            XCTAssertEqual("\($0)", "\(path):2: column note: expected a number or NA/nan/-9 for missing, found 'x'")
        }
    }

    func testIIDOnlyHeaderAndHeaderlessFIDForms() throws {
        let path = try folder.write("IID y\nI2 5\nI0 7\n", "iid.tsv")
        let t = try PhenotypeTable.read(path: path, fam: sampleFam(3))
        XCTAssert(sameValues(t.values.column(0), [7, .nan, 5]))
        // An IID shared by two families cannot be matched without FID.
        let fam = [FamRecord(fid: "A", iid: "X"), FamRecord(fid: "B", iid: "X")]
        let amb = try folder.write("#IID y\nX 1\n", "amb.tsv")
        XCTAssertThrowsError(try PhenotypeTable.read(path: amb, fam: fam)) { XCTAssert("\($0)".hasPrefix("\(amb):2: IID X occurs in several"), "\($0)") }
    }

    func testColumnSelectionParsing() throws {
        XCTAssertEqual(try ColumnSelection(parsing: "1,2,4"), .positions([1, 2, 4]))
        XCTAssertEqual(try ColumnSelection(parsing: "2-4,1"), .positions([2, 3, 4, 1]))
        XCTAssertEqual(try ColumnSelection(parsing: "TSH, FT4"), .names(["TSH", "FT4"]))
        XCTAssertEqual(try ColumnSelection(parsing: ""), .all)
        XCTAssertEqual(try ColumnSelection(parsing: "all"), .all)
        XCTAssertThrowsError(try ColumnSelection(parsing: "0,1")) { XCTAssertEqual("\($0)", "--columns: column positions start at 1, found 0") }
        XCTAssertThrowsError(try ColumnSelection(parsing: "1,,2"))
        XCTAssertThrowsError(try ColumnSelection(parsing: "4-2"))
    }

    /// Every bad-input case gives one line naming file, line (where there is one) and the problem.
    func testBadInputMessages() throws {
        let fam = sampleFam(3)
        func message(_ text: String, columns: ColumnSelection = .all, convention: TableConvention = .automatic) throws -> String {
            let path = try folder.write(text, "bad.txt")
            do {
                _ = try PhenotypeTable.read(path: path, fam: fam, columns: columns, convention: convention)
                return "no error"
            } catch let e as FormatError {
                XCTAssertFalse(e.description.contains("\n"))
                return e.description.replacingOccurrences(of: path, with: "F")
            }
        }
        XCTAssertEqual(try message(""), "F: empty file: expected one row per individual")
        XCTAssertEqual(try message("\n \n"), "F: empty file: expected one row per individual")
        XCTAssertEqual(try message("1\n2\nabc\n"), "F:3: column pheno1: expected a number or NA/-9 for missing, found 'abc'")
        XCTAssertEqual(try message("1\n2\ninf\n"), "F:3: column pheno1: expected a number or NA/-9 for missing, found 'inf'")
        XCTAssertEqual(try message("TSH\n1\n2\n"), "F:1: column pheno1: expected a number or NA/-9 for missing, found 'TSH' (a header line? PLINK-style tables start with FID IID)")
        XCTAssertEqual(try message("1 2\n3\n4 5\n"), "F:2: expected 2 columns as on line 1, found 1")
        XCTAssertEqual(try message("1\n2\n"), "F: 2 rows but 3 .fam individuals; a GEMMA-style table has exactly one row per .fam individual, in .fam order (use a PLINK-style FID IID header to match by ID)")
        XCTAssertEqual(try message("1\n2\n3\n4\n"), "F:4: more rows than .fam individuals (3); a GEMMA-style table has exactly one row per .fam individual, in .fam order")
        XCTAssertEqual(try message("FID IID a\nF0 I0 1\nF0 I0 2\n"), "F:3: duplicate individual F0 I0 (first on line 2)")
        XCTAssertEqual(try message("FID IID a\nF0 I0 1 2\n"), "F:2: expected 3 columns as in the header, found 4")
        XCTAssertEqual(try message("FID IID\nF0 I0\n"), "F:1: header has no data columns after the ID columns")
        XCTAssertEqual(try message("FID X a\nF0 I0 1\n"), "F:1: header starts with FID, so the second column must be IID, found 'X'")
        XCTAssertEqual(try message("FID IID a a\nF0 I0 1 2\n"), "F:1: column name 'a' appears twice (columns 3 and 4)")
        XCTAssertEqual(try message("FID IID a\nF0 I0 1\n", columns: .names(["b"])), "F:1: no column named 'b'; the header has a")
        XCTAssertEqual(try message("FID IID a\nF0 I0 1\n", columns: .positions([2])), "F: column 2 requested, but the table has 1 data column")
        XCTAssertEqual(try message("FID IID a\nF0 I0 1\n", columns: .positions([1, 1])), "F: column a selected twice")
        XCTAssertEqual(try message("1\n2\n3\n", columns: .names(["a"])), "F: columns chosen by name (a), but this GEMMA-style table has no header; choose them by position (1,2,…)")
        XCTAssertEqual(try message("1\n2\n3\n", convention: .plink), "F:1: expected a header line starting FID IID (or #FID IID), found '1'")
        XCTAssertThrowsError(try PhenotypeTable.read(path: folder.path, fam: fam)) { XCTAssert("\($0)".contains("is a folder")) }
        XCTAssertThrowsError(try PhenotypeTable.read(path: folder.path + "/none", fam: fam)) { XCTAssert("\($0)".contains("no such file")) }
    }

    func testGzipTableReadsLikePlain() throws {
        let text = "FID IID y\nF0 I1 2.5\nF0 I0 1.5\n"
        let plain = try PhenotypeTable.read(path: folder.write(text, "p.tsv"), fam: sampleFam(2))
        let gz = try PhenotypeTable.read(path: folder.write(text, "p.tsv.gz"), fam: sampleFam(2))
        XCTAssertEqual(plain.values, gz.values)
        XCTAssertEqual(gz.values.column(0), [1.5, 2.5])
    }
}
