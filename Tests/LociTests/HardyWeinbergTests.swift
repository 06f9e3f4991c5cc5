import Foundation
import XCTest
import Formats
import Numerics
@testable import Loci

final class HardyWeinbergTests: XCTestCase {
    /// Independent reference: enumerate every heterozygote count and sum the probabilities
    /// (from log-factorials) that do not exceed the observed one.
    func bruteForce(hets: Int, homA1: Int, homA2: Int) -> Double {
        let n = hets + homA1 + homA2
        let rare = min(2 * homA1 + hets, 2 * homA2 + hets)
        func logP(_ h: Int) -> Double {
            let a = (rare - h) / 2, b = n - h - a
            return lgamma(Double(n + 1)) - lgamma(Double(h + 1)) - lgamma(Double(a + 1)) - lgamma(Double(b + 1))
                + Double(h) * log(2) + lgamma(Double(rare + 1)) + lgamma(Double(2 * n - rare + 1)) - lgamma(Double(2 * n + 1))
        }
        let observed = logP(hets)
        var tail = 0.0
        for h in stride(from: rare % 2, through: rare, by: 2) where logP(h) <= observed + 1e-9 { tail += exp(logP(h)) }
        return tail
    }

    func testAgreesWithEnumeration() {
        var g = SeededGenerator(seed: 3)
        for _ in 0..<400 {
            let n = 1 + Int(g.next() % 300)
            let het = Int(g.next() % UInt64(n + 1))
            let hom1 = Int(g.next() % UInt64(n - het + 1))
            let hom2 = n - het - hom1
            let p = HardyWeinberg.exactP(hets: het, homA1: hom1, homA2: hom2)
            let q = bruteForce(hets: het, homA1: hom1, homA2: hom2)
            XCTAssertEqual(p, q, accuracy: 1e-9 + 1e-7 * q, "\(het) \(hom1) \(hom2)")
        }
        XCTAssertEqual(HardyWeinberg.exactP(hets: 0, homA1: 0, homA2: 0), 1)
        XCTAssertEqual(HardyWeinberg.exactP(hets: 0, homA1: 50, homA2: 0), 1)
        // Wigginton et al. (2005) worked scale: 100 hets among 1000 with 200 rare copies is far off HWE.
        XCTAssertLessThan(HardyWeinberg.exactP(hets: 0, homA1: 500, homA2: 500), 1e-250)
        XCTAssertGreaterThan(HardyWeinberg.exactP(hets: 0, homA1: 500, homA2: 500), 0)
    }
}
