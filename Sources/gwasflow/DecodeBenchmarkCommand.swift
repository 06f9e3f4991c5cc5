import ArgumentParser
import Foundation
import GWASFlow

/// `gwasflow decode-benchmark` (hidden): times decoding a whole `.bed`; used by `benchmarks/bed_decode.sh`.
struct DecodeBenchmarkCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decode-benchmark",
        abstract: "Time decoding every SNP block of a .bed (for benchmarks/bed_decode.sh).",
        shouldDisplay: false)

    @OptionGroup var genotypes: GenotypeOptions
    @OptionGroup var options: RunOptions

    @Option(help: "SNPs per decoded block.")
    var blockSnps = 256

    @Option(help: "Full passes over the file.")
    var passes = 5

    func validate() throws {
        if blockSnps < 1 { throw ValidationError("--block-snps must be at least 1, got \(blockSnps)") }
        if passes < 1 { throw ValidationError("--passes must be at least 1, got \(passes)") }
    }

    func run() throws {
        try options.execute { context in
            let bfile = try context.requiredPath(genotypes.bfile, or: .bfile)
            let t = try decodeBenchmark(bfile: bfile, blockSNPs: blockSnps, passes: passes)
            print("bed bytes: \(t.bedBytes)")
            for k in t.seconds.indices {
                print("pass \(k + 1) seconds: \(String(format: "%.4f", t.seconds[k])) wall, \(String(format: "%.4f", t.cpuSeconds[k])) cpu")
            }
            print("median wall seconds: \(String(format: "%.4f", t.medianSeconds))")
            print("median cpu seconds: \(String(format: "%.4f", t.medianCPUSeconds))")
            print("median GB/s per core: \(String(format: "%.3f", t.medianGigabytesPerCPUSecond))")
            print("checksum: \(t.checksum)")
        }
    }
}
