import Foundation
import Formats
import Numerics

/// Genotypes with realistic local LD for tests: each chromosome copies segments from a
/// few founder haplotypes (a Li–Stephens-like mosaic), so neighbouring SNPs are correlated
/// and LD decays with distance; some genotypes are set missing.
struct LDSimulation {
    var fam: [FamRecord]
    var bim: [BimRecord]
    /// A1 counts per SNP (-1 missing), `.bim` order.
    var genotypes: [[Int8]]

    init(individuals n: Int, snpsPerChromosome m: Int, chromosomes: Int, missingRate: Double,
         generator g: inout SeededGenerator) {
        fam = (0..<n).map { FamRecord(fid: "F\($0)", iid: "I\($0)", sex: 1 + $0 % 2) }
        bim = []
        genotypes = []
        let templates = 6
        for chr in 1...chromosomes {
                        let freq = (0..<m).map { _ in 0.05 + 0.9 * g.uniform() }
            // Founder haplotypes: a Markov chain along the chromosome, so nearby alleles agree.
            let founders: [[UInt8]] = (0..<templates).map { _ in
                var h: [UInt8] = []
                for j in 0..<m {
                    if j > 0 && g.uniform() < 0.8 { h.append(h[j - 1]) } else { h.append(g.uniform() < freq[j] ? 1 : 0) }
                }
                return h
            }
            var position = 10_000
            var positions: [Int] = []
            for _ in 0..<m { positions.append(position); position += 1_000 + Int(g.next() % 19_000) }
            // Each individual: two mosaics; switch template with probability growing with distance.
            var haplotypes: [[[UInt8]]] = []
            for _ in 0..<n {
                var pair: [[UInt8]] = []
                for _ in 0..<2 {
                    var t = Int(g.next() % UInt64(templates))
                    var h = [UInt8](repeating: 0, count: m)
                    for j in 0..<m {
                        if j > 0 {
                            let gap = Double(positions[j] - positions[j - 1])
                            if g.uniform() < 1 - exp(-gap / 60_000) { t = Int(g.next() % UInt64(templates)) }
                        }
                        h[j] = founders[t][j]
                        if g.uniform() < 0.01 { h[j] ^= 1 }   // mutation noise
                    }
                    pair.append(h)
                }
                haplotypes.append(pair)
            }
            for j in 0..<m {
                bim.append(BimRecord(chromosome: "\(chr)", id: "snp\(chr)_\(j)", position: positions[j],
                                     allele1: "A", allele2: "G"))
                genotypes.append((0..<n).map { i in
                    g.uniform() < missingRate ? -1 : Int8(haplotypes[i][0][j] + haplotypes[i][1][j])
                })
            }
        }
    }

    /// Writes `prefix.bed/.bim/.fam`, with the SNPs in `order` (default: as simulated).
    func write(prefix: String, order: [Int]? = nil, fam famRecords: [FamRecord]? = nil) throws {
        let rows = order ?? Array(bim.indices)
        try AtomicFile.write(PlinkBedWriter.encode(snpMajor: rows.map { genotypes[$0] }, individuals: fam.count),
                             to: prefix + ".bed")
        try AtomicFile.write(PlinkBim.text(rows.map { bim[$0] }), to: prefix + ".bim")
        try AtomicFile.write(PlinkFam.text(famRecords ?? fam), to: prefix + ".fam")
    }

    /// Sample correlation of two SNPs' genotypes over individuals genotyped for both.
    func correlation(_ a: Int, _ b: Int) -> Double {
        var n = 0.0, sa = 0.0, sb = 0.0, saa = 0.0, sbb = 0.0, sab = 0.0
        for i in genotypes[a].indices where genotypes[a][i] >= 0 && genotypes[b][i] >= 0 {
            let x = Double(genotypes[a][i]), y = Double(genotypes[b][i])
            n += 1; sa += x; sb += y; saa += x * x; sbb += y * y; sab += x * y
        }
        let cov = sab / n - sa / n * sb / n
        let va = saa / n - sa / n * sa / n, vb = sbb / n - sb / n * sb / n
        return va > 0 && vb > 0 ? cov / sqrt(va * vb) : 0
    }

    /// p-values from z-scores driven by a few causal SNPs, rounded to 4 digits (so ties occur):
    /// z_j = Σ_c corr(j, c) · signal_c + N(0, 1), p_j = erfc(|z_j| / √2).
    func simulatedPValues(causal: [Int: Double], generator g: inout SeededGenerator) -> [Double] {
        var ps: [Double] = []
        for j in bim.indices {
            var z = g.normal()
            for (c, signal) in causal {
                let chrSame = bim[c].chromosome == bim[j].chromosome
                if chrSame && abs(bim[c].position - bim[j].position) < 400_000 { z += correlation(j, c) * signal }
            }
            let p = Double(String(format: "%.4g", erfc(abs(z) / 2.0.squareRoot())))!
            ps.append(p)
        }
        return ps
    }

    /// The association text for p-values `p` (GEMMA columns; beta/se are placeholders).
    func gemmaText(_ p: [Double]) -> String {
        var text = "chr\trs\tps\tn_miss\tallele1\tallele0\taf\tbeta\tse\tp_score\n"
        for j in bim.indices {
            text += "\(bim[j].chromosome)\t\(bim[j].id)\t\(bim[j].position)\t0\tA\tG\t0.3\t0.1\t0.05\t\(String(format: "%.4g", p[j]))\n"
        }
        return text
    }
}

/// Runs a reference tool in `folder`; fails with its output on a non-zero exit.
func runTool(_ tool: String, _ arguments: [String], in folder: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: tool)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let output = String(decoding: data, as: UTF8.self)
    if process.terminationStatus != 0 {
        throw NSError(domain: "LociTests", code: Int(process.terminationStatus),
                      userInfo: [NSLocalizedDescriptionKey: "\(tool) failed: \(output)"])
    }
    return output
}

let plinkPath = "/usr/bin/plink1.9"
