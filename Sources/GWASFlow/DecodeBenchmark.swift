import Formats
import Foundation

/// Timings of decoding a whole `.bed`, for `benchmarks/bed_decode.sh`.
public struct DecodeTimings: Sendable {
    /// Size of the `.bed` in bytes.
    public var bedBytes: Int
    /// Wall-clock seconds of each full pass.
    public var seconds: [Double]
    /// CPU seconds of the decoding thread in each pass (what one core spends, whatever else
    /// shares the machine).
    public var cpuSeconds: [Double]
    /// Sum of a few decoded values per block (missing counted as 3), so no pass can be optimized away.
    public var checksum: Double

    /// The median wall-clock pass time.
    public var medianSeconds: Double { DecodeTimings.median(seconds) }
    /// The median CPU time of a pass.
    public var medianCPUSeconds: Double { DecodeTimings.median(cpuSeconds) }

    /// `.bed` bytes decoded per CPU second in the median pass, in GB/s (10⁹ bytes) per core.
    public var medianGigabytesPerCPUSecond: Double { Double(bedBytes) / medianCPUSeconds / 1e9 }

    static func median(_ x: [Double]) -> Double {
        let s = x.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// CPU time consumed so far by the calling thread.
    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
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
    var seconds: [Double] = [], cpuSeconds: [Double] = []
    for _ in 0..<passes {
        let start = StepProgress.monotonicSeconds(), cpuStart = DecodeTimings.threadCPUSeconds()
        buffer.withUnsafeMutableBufferPointer { out in
            for first in stride(from: 0, to: bed.snps, by: blockSNPs) {
                let range = first..<min(first + blockSNPs, bed.snps)
                bed.decodeBlock(snps: range, into: out.baseAddress!, leadingDimension: n)
                for v in [out[0], out[(range.count - 1) * n + n - 1]] { checksum += v.isNaN ? 3 : Double(v) }
            }
        }
        seconds.append(StepProgress.monotonicSeconds() - start)
        cpuSeconds.append(DecodeTimings.threadCPUSeconds() - cpuStart)
    }
    return DecodeTimings(bedBytes: 3 + bed.bytesPerSNP * bed.snps, seconds: seconds, cpuSeconds: cpuSeconds, checksum: checksum)
}
