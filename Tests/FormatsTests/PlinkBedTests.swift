import XCTest
import Formats
import Numerics

final class PlinkBedTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "gwasflow-bed-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(atPath: folder) }

    /// Bytes written by hand from the PLINK specification, independent of `PlinkBedWriter`.
    func testDecodesHandWrittenBytesAsA1Counts() throws {
        // 5 individuals, 2 SNPs; codes per individual (low bits first):
        // SNP 0: 00 10 11 01 | 00  -> 2 1 0 NaN 2
        // SNP 1: 11 11 10 00 | 01  -> 0 0 1 2 NaN
        let snp0: [UInt8] = [0b01_11_10_00, 0b00]
        let snp1: [UInt8] = [0b00_10_11_11, 0b01]
        let path = folder + "/t.bed"
        try AtomicFile.write([0x6c, 0x1b, 0x01] + snp0 + snp1, to: path)
        let bed = try PlinkBed(path: path, individuals: 5, snps: 2)
        var out = [Float](repeating: -7, count: 10)
        out.withUnsafeMutableBufferPointer { bed.decodeBlock(snps: 0..<2, into: $0.baseAddress!, leadingDimension: 5) }
        let expected: [Float] = [2, 1, 0, .nan, 2, 0, 0, 1, 2, .nan]
        for k in 0..<10 {
            if expected[k].isNaN { XCTAssert(out[k].isNaN, "entry \(k)") } else { XCTAssertEqual(out[k], expected[k], "entry \(k)") }
        }
        var sub = [Float](repeating: -7, count: 3)
        sub.withUnsafeMutableBufferPointer { bed.decode(snp: 1, individuals: [4, 3, 0], into: $0.baseAddress!) }
        XCTAssert(sub[0].isNaN); XCTAssertEqual(sub[1], 2); XCTAssertEqual(sub[2], 0)
    }

    /// Sizes that exercise every path of the decoder (4 bytes at a time, single bytes, a partial
    /// last byte); nothing is written past the n values.
    func testWriterRoundTripsThroughDecoder() throws {
        var g = SeededGenerator(seed: 11)
        for n in [1, 3, 4, 13, 16, 17, 35, 64, 101] {
            let m = 7
            let genotypes: [[Int8]] = (0..<m).map { _ in (0..<n).map { _ in Int8(Int(g.next() % 4)) - 1 } }
            let path = folder + "/r\(n).bed"
            try AtomicFile.write(PlinkBedWriter.encode(snpMajor: genotypes, individuals: n), to: path)
            let bed = try PlinkBed(path: path, individuals: n, snps: m)
            var col = [Float](repeating: -7, count: n + 4)
            for s in 0..<m {
                col.withUnsafeMutableBufferPointer { bed.decode(snp: s, into: $0.baseAddress!) }
                for i in 0..<n {
                    if genotypes[s][i] < 0 { XCTAssert(col[i].isNaN) } else { XCTAssertEqual(col[i], Float(genotypes[s][i]), "n \(n)") }
                }
                XCTAssertEqual(Array(col[n...]), [-7, -7, -7, -7], "n \(n): decoder wrote past the last individual")
            }
        }
    }

    func testRejectsBadMagicTruncationAndOversize() throws {
        let path = folder + "/bad.bed"
        try AtomicFile.write([0x6c, 0x1c, 0x01, 0], to: path)
        XCTAssertThrowsError(try PlinkBed(path: path, individuals: 4, snps: 1)) { XCTAssert("\($0)".contains("magic")) }
        try AtomicFile.write([0x6c, 0x1b, 0x00, 0], to: path)
        XCTAssertThrowsError(try PlinkBed(path: path, individuals: 4, snps: 1)) { XCTAssert("\($0)".contains("SNP-major")) }
        try AtomicFile.write([0x6c, 0x1b, 0x01, 0], to: path)
        XCTAssertThrowsError(try PlinkBed(path: path, individuals: 4, snps: 2)) { XCTAssert("\($0)".contains("truncated")) }
        XCTAssertThrowsError(try PlinkBed(path: path, individuals: 4, snps: 0)) { XCTAssert("\($0)".contains("oversized")) }
        XCTAssertThrowsError(try PlinkBed(path: folder + "/none.bed", individuals: 4, snps: 1)) { XCTAssert("\($0)".contains("no such file")) }
        XCTAssertThrowsError(try PlinkBed(path: folder, individuals: 4, snps: 1)) { XCTAssert("\($0)".contains("folder")) }
    }

    func testGzipBedReadsLikePlain() throws {
        let genotypes: [[Int8]] = [[0, 1, 2, -1, 2], [2, 2, 1, 0, 0]]
        let bytes = PlinkBedWriter.encode(snpMajor: genotypes, individuals: 5)
        try AtomicFile.write(bytes, to: folder + "/z.bed.gz")
        let bed = try PlinkBed(path: folder + "/z.bed.gz", individuals: 5, snps: 2)
        var col = [Float](repeating: 0, count: 5)
        col.withUnsafeMutableBufferPointer { bed.decode(snp: 1, into: $0.baseAddress!) }
        XCTAssertEqual(col, [2, 2, 1, 0, 0])
        // A stream cut short must be an error, not a silently short file.
        let gz = try Gzip.compress(bytes, path: "x")
        try AtomicFile.write(Array(gz.prefix(gz.count - 6)), to: folder + "/cut.bed")
        XCTAssertThrowsError(try PlinkBed(path: folder + "/cut.bed", individuals: 5, snps: 2)) { XCTAssert("\($0)".contains("cut short"), "\($0)") }
    }
}
