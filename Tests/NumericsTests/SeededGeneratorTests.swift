import XCTest
import Numerics

final class SeededGeneratorTests: XCTestCase {
    func testSameSeedSameStreamDifferentSeedDifferentStream() {
        var a = SeededGenerator(seed: 42), b = SeededGenerator(seed: 42), c = SeededGenerator(seed: 43)
        let xa = (0..<100).map { _ in a.next() }, xb = (0..<100).map { _ in b.next() }, xc = (0..<100).map { _ in c.next() }
        XCTAssertEqual(xa, xb)
        XCTAssertNotEqual(xa, xc)
    }

    func testNormalMomentsAndUniformRange() {
        var g = SeededGenerator(seed: 7)
        let n = 200_000
        var s1 = 0.0, s2 = 0.0, s4 = 0.0
        for _ in 0..<n { let z = g.normal(); s1 += z; s2 += z * z; s4 += z * z * z * z }
        // Standard errors: mean 1/sqrt(n) ≈ 0.0022, variance sqrt(2/n) ≈ 0.0032, 4th moment sqrt(96/n) ≈ 0.022.
        XCTAssertEqual(s1 / Double(n), 0, accuracy: 0.011)
        XCTAssertEqual(s2 / Double(n), 1, accuracy: 0.016)
        XCTAssertEqual(s4 / Double(n), 3, accuracy: 0.11)
        for _ in 0..<10_000 { let u = g.uniform(); XCTAssert(u >= 0 && u < 1) }
    }

    func testPermutationIsAPermutationAndUniformOnFirstPosition() {
        var g = SeededGenerator(seed: 8)
        var counts = [Int](repeating: 0, count: 5)
        for _ in 0..<50_000 {
            let p = g.permutation(5)
            XCTAssertEqual(p.sorted(), [0, 1, 2, 3, 4])
            counts[p[0]] += 1
        }
        // Each first element has probability 1/5: 10,000 expected, sd ≈ 89.
        for c in counts { XCTAssertEqual(Double(c), 10_000, accuracy: 450) }
    }
}
