import XCTest
@testable import Loci

final class PlinkNumberTextTests: XCTestCase {
    /// Expected strings for values ≤ 1 were read off PLINK 1.9's `.clumped` P column for these
    /// exact p-value texts (plink1.9 v1.90b6.26); those above 1 are C's `%.3g`.
    func testThreeSignificantDigitsLikePlink() {
        let cases: [(Double, String)] = [
            (1.265e-08, "1.26e-08"), (6.655e-08, "6.66e-08"), (5.38e-08, "5.38e-08"), (1e-05, "1e-05"),
            (2.5e-300, "2.5e-300"), (0, "0"), (0.000123, "0.000123"), (0.0001, "0.0001"),
            (9.9951e-05, "0.0001"), (0.05, "0.05"), (0.5, "0.5"), (1, "1"), (0.01234, "0.0123"),
            (0.012345, "0.0123"), (12.5, "12.5"), (123.4, "123"), (1234, "1.23e+03"), (9.996e-05, "0.0001"),
            (0.00099951, "0.001"), (0.995, "0.995"), (0.9995, "1"), (0.12345, "0.123"),
        ]
        for (x, text) in cases { XCTAssertEqual(PlinkNumberText.threeSignificant(x), text, "\(x)") }
    }
}
