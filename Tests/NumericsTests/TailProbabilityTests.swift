import Foundation
import XCTest
@testable import Numerics

final class TailProbabilityTests: XCTestCase {
    /// log10 upper tails from mpmath at 40 digits:
    /// `mp.log10(mp.gammainc(d/2, x/2, mp.inf, regularized=True))` and
    /// `mp.log10(mp.betainc(nu/2, 1/2, 0, nu/(nu+f), regularized=True))`.
    static let chiSquare: [(statistic: Double, degrees: Double, log10p: Double)] = [
        (0.001, 1, -0.011096562482616878), (0.5, 1, -0.31921127782572033), (3.84, 1, -1.3006521393247689), (20, 1, -5.1110225181099561), (100, 1, -22.817023409822095), (700, 1, -153.52429584501908), (1500, 1, -327.40725604416649),
        (0.001, 2, -0.00021714724095162591), (0.5, 2, -0.10857362047581296), (3.84, 2, -0.83384540525424351), (20, 2, -4.3429448190325183), (100, 2, -21.714724095162591), (700, 2, -152.00306866613814), (1500, 2, -325.72086142743887),
        (0.001, 3, -3.6515282020969261e-6), (0.5, 3, -0.036735807553548718), (3.84, 3, -0.55397942062571519), (20, 3, -3.7702095706313562), (100, 3, -20.808504431724828), (700, 3, -150.67796048797924), (1500, 3, -324.23058649574523),
        (0.001, 4, -5.4268721417631913e-8), (0.5, 4, -0.011663607467756543), (3.84, 4, -0.36846255380582522), (20, 4, -3.3015521338742932), (100, 4, -20.007153919064655), (700, 4, -149.45776154967232), (1500, 4, -322.8452214904347),
        (0.001, 5, -7.3026083835099168e-10), (0.5, 5, -0.0034343538101970494), (3.84, 5, -0.24209218514461892), (20, 5, -2.9031836090733616), (100, 5, -19.276942816978197), (700, 5, -148.30874287052121), (1500, 5, -321.53103743304024),
        (0.001, 6, -9.0444094592629447e-12), (0.5, 6, -0.00093974207598343847), (3.84, 6, -0.15594658795159396), (20, 6, -2.5576149840217512), (100, 6, -18.600446798601005), (700, 6, -147.21348090379584), (1500, 6, -320.27061077907089),
    ]
    static let fOne: [(statistic: Double, degrees: Double, log10p: Double)] = [
        (0.001, 10, -0.010819414505674281), (0.5, 10, -0.30482707618064014), (3.84, 10, -1.1051889838721224), (20, 10, -2.9231896468200438), (100, 10, -5.7987249389780175), (700, 10, -9.8626267527800475), (1500, 10, -11.502582305810129),
        (0.001, 285, -0.011086701127465865), (0.5, 285, -0.31868830358038769), (3.84, 285, -1.2922765110272485), (20, 285, -4.9509554747654626), (100, 285, -19.650105665944292), (700, 285, -78.001578472384347), (1500, 285, -114.83143075141217),
        (0.001, 4990, -0.011095999018638158), (0.5, 4990, -0.31918137266237911), (3.84, 4990, -1.3001699986983833), (20, 4990, -5.1014892512032068), (100, 4990, -22.598016441251993), (700, 4990, -143.73698615631405), (1500, 4990, -286.41900137055976),
        (0.001, 100000, -0.011096534365077186), (0.5, 100000, -0.31920978545498393), (3.84, 100000, -1.300628069567191), (20, 100000, -5.1105456264880236), (100, 100000, -22.805957247064492), (700, 100000, -152.99324119797237), (1500, 100000, -324.98527513716555),
    ]

    func testChiSquareTailsMatchMpmathDownTo1eMinus327() {
        for (x, d, reference) in Self.chiSquare {
            let ours = TailProbability.logChiSquareUpper(x, degrees: d) / log(10)
            XCTAssertEqual(ours, reference, accuracy: 1e-12 * max(1e-3, abs(reference)), "χ²(\(d)) at \(x)")
        }
    }

    func testFOneTailsMatchMpmath() {
        for (f, nu, reference) in Self.fOne {
            let ours = TailProbability.logFUpper(f, 1, nu) / log(10)
            XCTAssertEqual(ours, reference, accuracy: 1e-12 * max(1e-3, abs(reference)), "F(1, \(nu)) at \(f)")
        }
    }

    /// Closed forms: χ²(2) tail is e^{-x/2}; F(1, ν) is the two-sided t tail, and χ²(1) its ν → ∞ limit.
    func testClosedFormsAndEdges() {
        for x in [0.01, 1, 10, 123.4, 2000] {
            XCTAssertEqual(TailProbability.logChiSquareUpper(x, degrees: 2), -x / 2, accuracy: 1e-13 * max(1, x))
        }
        XCTAssertEqual(TailProbability.chiSquareUpper(3.841458820694124, degrees: 1), 0.05, accuracy: 1e-14)
        XCTAssertEqual(TailProbability.fUpper(1, 1, 1), 0.5, accuracy: 1e-14)  // t(1) is Cauchy: P(|t| > 1) = 1/2
        XCTAssertEqual(TailProbability.logFUpper(0, 1, 10), 0)
        XCTAssertEqual(TailProbability.logChiSquareUpper(0, degrees: 3), 0)
        XCTAssertEqual(TailProbability.logFUpper(.infinity, 1, 10), -.infinity)
        XCTAssertTrue(TailProbability.logFUpper(.nan, 1, 10).isNaN)
    }
}
