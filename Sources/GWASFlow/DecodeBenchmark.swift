import Formats
import Foundation

/// Timings of decoding a whole `.bed`, for `benchmarks/bed_decode.sh`.
public struct DecodeTimings: Sendable {
    /// Size of the `.bed` in bytes.
    public var bedBytes: Int
    /// Wall-clock seconds of each full pass.
    public var seconds: [Double]
    /// Sum of a few decoded values per block (missing counted as 3), so no pass can be optimized away.
    public var checksum: Double

    /// The median pass time.
    public var medianSeconds: Double {
        let s = seconds.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// `.bed` bytes decoded per second in the median pass, in GB/s (10⁹ bytes).
    public var medianGigabytesPerSecond: Double { Double(bedBytes) / medianSeconds / 1e9 }
}

/// Decodes every SNP of `bfile.bed`, block by block of `blockSNPs` SNPs into one reused Float
/// buffer (n × blockSNPs, column-major, as the GRM and association steps read it), `passes` times
/// in one thread. The file is opened and memory-mapped once, before the first pass.
public func decodeBenchmark(bfile: String, blockSNPs: Int, passes: Int) throws -> DecodeTimings {
    precondition(blockSNPs >= 1 && passes >= 1, "block size and passes must be at least 1")
    let data = try PlinkDataset(prefix: bfile)
    let bed = data.bed
    let n = bed.individuals
    var buffer = [Float](repeating: 0, count: n * blockSNPs)
    var checksum = 0.0
    var seconds: [Double] = []
    for _ in 0..<passes {
        let start = StepProgress.monotonicSeconds()
        buffer.withUnsafeMutableBufferPointer { out in
            for first in stride(from: 0, to: bed.snps, by: blockSNPs) {
                let range = first..<min(first + blockSNPs, bed.snps)
                bed.decodeBlock(snps: range, into: out.baseAddress!, leadingDimension: n)
                for v in [out[0], out[(range.count - 1) * n + n - 1]] { checksum += v.isNaN ? 3 : Double(v) }
            }
        }
        seconds.append(StepProgress.monotonicSeconds() - start)
    }
    return DecodeTimings(bedBytes: 3 + bed.bytesPerSNP * bed.snps, seconds: seconds, checksum: checksum)
}
