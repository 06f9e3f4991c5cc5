import XCTest
import Formats
import Numerics

final class CovariateTableTests: XCTestCase {
    var folder: TemporaryFolder!
    override func setUpWithError() throws { folder = try TemporaryFolder("covar") }
    override func tearDown() { folder.remove() }

    func testPlinkStyleAddsInterceptAndExpandsCategoricalColumns() throws {
        let text = """
        FID IID age batch sex
        F0 I0 30 b2 1
        F0 I1 41 b1 2
        F1 I2 NA b3 -9
        F1 I3 25 NA 1
        F2 I4 33 b2 2

        """
        let t = try CovariateTable.read(path: folder.write(text, "c.tsv"), fam: sampleFam(5))
        XCTAssertEqual(t.names, ["intercept", "age", "batch=b2", "batch=b3", "sex"])
        XCTAssertEqual(t.values.column(0), [1, 1, 1, 1, 1])
        XCTAssert(sameValues(t.values.column(1), [30, 41, .nan, 25, 33]))
        XCTAssert(sameValues(t.values.column(2), [1, 0, 0, .nan, 1]))
        XCTAssert(sameValues(t.values.column(3), [0, 0, 1, .nan, 0]))
        XCTAssert(sameValues(t.values.column(4), [1, 2, .nan, 1, 2]))
        XCTAssertEqual(t.completeRows, [0, 1, 4])
        XCTAssertEqual(t.notes, ["intercept added (PLINK-style covariate table)",
                                 "batch: categorical, 3 levels, reference 'b1', indicator columns batch=b2, batch=b3"])
        let onlyBatch = try CovariateTable.read(path: folder.path + "/c.tsv", fam: sampleFam(5), columns: .names(["batch"]))
        XCTAssertEqual(onlyBatch.names, ["intercept", "batch=b2", "batch=b3"])
    }

    func testGemmaStyleIsUsedAsGivenWithMinusNineAsAValue() throws {
        let t = try CovariateTable.read(path: folder.write("1 -9 0.5\n1 NA 2\n1 3 4\n", "c.txt"), fam: sampleFam(3))
        XCTAssertEqual(t.convention, .gemma)
        XCTAssertEqual(t.names, ["covar1", "covar2", "covar3"])
        XCTAssert(sameValues(t.values.column(1), [-9, .nan, 3]))
        XCTAssertEqual(t.notes, ["GEMMA-style covariates used as given (the file's column of 1s is the intercept)"])
        let noIntercept = try CovariateTable.read(path: folder.write("2\n3\n4\n", "n.txt"), fam: sampleFam(3))
        XCTAssert(noIntercept.notes[0].contains("no intercept"))
    }

    func testSingleLevelAndTooManyLevels() throws {
        let one = try CovariateTable.read(path: folder.write("FID IID site\nF0 I0 A\nF0 I1 A\n", "one.tsv"), fam: sampleFam(2))
        XCTAssertEqual(one.names, ["intercept"])
        XCTAssertEqual(one.notes.last, "site: categorical with a single level 'A', dropped (constant)")
        let n = CovariateTable.maximumLevels + 1
        let rows = (0..<n).map { "F\($0 / 2) I\($0) x\($0)" }.joined(separator: "\n")
        let path = try folder.write("FID IID id\n" + rows + "\n", "many.tsv")
        XCTAssertThrowsError(try CovariateTable.read(path: path, fam: sampleFam(n))) {
            XCTAssertEqual("\($0)", "\(path):2: column id: expected a number or NA/nan/-9 for missing, found 'x0'; read as categorical it would have 101 levels (more than 100)")
        }
    }
}
