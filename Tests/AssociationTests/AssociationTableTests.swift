import Foundation
import XCTest
import Formats
import Numerics
@testable import Association

final class AssociationTableTests: XCTestCase {
    func result(beta: [Double], variance: Matrix<Double>, logP: Double) -> ScoreResult {
        ScoreResult(beta: beta, betaCovariance: variance, logP: logP, statistic: 0)
    }

    func testGEMMALayoutAndTinyPValues() {
        let variant = BimRecord(chromosome: "2", id: "rs7", position: 12345, allele1: "A", allele2: "G")
        var uni = AssociationTable(traits: 1)
        uni.append(variant: variant, snp: TestedSNP(index: 6, missing: 3, alleleFrequency: 0.25049),
                   result: result(beta: [0.4093255], variance: Matrix(rowArrays: [[0.1064285 * 0.1064285]]), logP: log(1.987453e-4)))
        // e^-1000 = 5.075958897549457e-435: below the smallest Double, printed from its logarithm.
        uni.append(variant: variant, snp: TestedSNP(index: 6, missing: 0, alleleFrequency: 0.5),
                   result: result(beta: [-1], variance: Matrix(rowArrays: [[4]]), logP: -1000))
        XCTAssertEqual(String(decoding: uni.bytes, as: UTF8.self), """
            chr\trs\tps\tn_miss\tallele1\tallele0\taf\tbeta\tse\tp_score
            2\trs7\t12345\t3\tA\tG\t0.250\t4.093255e-01\t1.064285e-01\t1.987453e-04
            2\trs7\t12345\t0\tA\tG\t0.500\t-1.000000e+00\t2.000000e+00\t5.075959e-435

            """)
        var multi = AssociationTable(traits: 2)
        multi.append(variant: variant, snp: TestedSNP(index: 6, missing: 1, alleleFrequency: 0.1),
                     result: result(beta: [1, 2], variance: Matrix(rowArrays: [[3, 4], [4, 5]]), logP: log(0.5)))
        XCTAssertEqual(String(decoding: multi.bytes, as: UTF8.self), """
            chr\trs\tps\tn_miss\tallele1\tallele0\taf\tbeta_1\tbeta_2\tVbeta_1_1\tVbeta_1_2\tVbeta_2_2\tp_score
            2\trs7\t12345\t1\tA\tG\t0.100\t1.000000e+00\t2.000000e+00\t3.000000e+00\t4.000000e+00\t5.000000e+00\t5.000000e-01

            """)
    }

    func testGenomicControlOfUniformPValuesIsOne() {
        let m = 20_001
        let logP = (1...m).map { log(Double($0) / Double(m + 1)) }
        XCTAssertEqual(GenomicControl.lambda(logP: logP)!, 1, accuracy: 1e-4)
        // p-values from χ²₁ statistics scaled by 1.2 give λ = 1.2.
        let scaled = (1...m).map { k -> Double in
            let x = GenomicControl.chiSquareQuantile(upperLogP: log(Double(k) / Double(m + 1)))
            return TailProbability.logChiSquareUpper(1.2 * x, degrees: 1)
        }
        XCTAssertEqual(GenomicControl.lambda(logP: scaled)!, 1.2, accuracy: 1e-4)
        XCTAssertNil(GenomicControl.lambda(logP: [.nan]))
    }
}
