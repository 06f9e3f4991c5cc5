import Foundation
import Numerics

/// A run folder as the workflow lays it out, with synthetic contents: a raw trait table with a
/// skewed and a crescent-shaped trait, two normalizations (`hormonal/baseline`,
/// `hormonal/alternating`) with their logs, λ tables, training curves and diagnostics,
/// per-chromosome association pieces gathered into one table per arm, locus tables and a
/// comparison table.
enum ReportFixture {
    static let traits = ["TSH", "FT4", "FT3"]
    static let arms = ["baseline", "alternating"]

    static func write(to folder: URL, individuals n: Int = 400, snpsPerChromosome: Int = 800, seed: UInt64 = 7) throws {
        var rng = SeededGenerator(seed: seed)
        let fm = FileManager.default
        let group = folder.appendingPathComponent("run/hormonal")
        try fm.createDirectory(at: group, withIntermediateDirectories: true)
        func put(_ text: String, _ path: String) throws {
            let url = folder.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let header = "FID\tIID\t" + traits.joined(separator: "\t") + "\n"
        var raw = header
        for i in 0..<n {
            let a = rng.normal()
            raw += "F\(i / 4)\tI\(i)\t\(exp(a))\t\(0.5 * a * a + 0.4 * rng.normal())\t\(rng.normal() * 2 + 5)\n"
        }
        try put(raw, "raw.tsv")
        for arm in arms {
            var normalized = header
            for i in 0..<n {
                let values = i == 3 ? ["NA", "NA", "NA"] : (0..<traits.count).map { _ in String(rng.normal()) }
                normalized += "F\(i / 4)\tI\(i)\t" + values.joined(separator: "\t") + "\n"
            }
            try put(normalized, "run/hormonal/\(arm).pheno.tsv")
            try put("# gwasflow run log\ncommand: gwasflow normalize\n\n# settings\nworking directory: \(folder.path)\n\n# inputs\npheno: raw.tsv\ncolumns: TSH,FT4,FT3\n",
                    "run/hormonal/\(arm).log")
            var lambda = "stage\tlambda\tobjective\tvalidation_nll\n"
            for (s, l) in [0.9, 0.72, 0.64, 0.61, 0.6].enumerated() { lambda += "\(s)\t\(l)\t\(4.5 - 0.2 * Double(s))\t\(4.7 - 0.15 * Double(s))\n" }
            try put(lambda, "run/hormonal/\(arm).lambda.tsv")
            var curves = "stage\tepoch\ttrain_nll\tvalidation_nll\n"
            for e in 0..<40 { curves += "\(e / 10)\t\(e % 10)\t\(4 + 3 * exp(-Double(e) / 12))\t\(4.2 + 3 * exp(-Double(e) / 14))\n" }
            try put(curves, "run/hormonal/\(arm).training.tsv")
            try put("data\tmardia_skewness\tp_skewness\tmardia_kurtosis\tp_kurtosis\nraw\t12.3\t1e-50\t40.2\t1e-30\nnormalized\t0.1\t0.6\t15.1\t0.4\n",
                    "run/hormonal/\(arm).diagnostics.tsv")
            var gathered = "chr\trs\tps\tn_miss\tallele1\tallele0\taf\tbeta_1\tp_score\n"
            for chromosome in 1...3 {
                var piece = "chr\trs\tps\tn_miss\tallele1\tallele0\taf\tbeta_1\tp_score\n"
                for j in 0..<snpsPerChromosome {
                    var p = Double.random(in: 0.0000001..<1, using: &rng)
                    if chromosome == 2, (300..<315).contains(j) { p = pow(10, -Double.random(in: 6..<14, using: &rng)) }
                    piece += "\(chromosome)\trs\(chromosome)_\(j)\t\(j * 1000 + 1)\t0\tA\tG\t0.3\t0.1\t\(p)\n"
                }
                try put(piece, "run/hormonal/\(arm)/chr\(chromosome).assoc.txt")
                gathered += piece.split(separator: "\n").dropFirst().joined(separator: "\n") + "\n"
            }
            try put(gathered, "run/hormonal/\(arm).assoc.txt")
            try put("locus\tSNP\tCHR\tBP\tP\tsize\tspan_kb\n1\trs2_305\t2\t305001\t1e-14\t12\t15\n", "run/hormonal/\(arm).loci.tsv")
        }
        try put("method\tloci\tlambda\truntime_s\nsingle\t1\tNA\t3.2\nbaseline\t1\t1\t10.1\nalternating\t2\t0.6\t30.2\n",
                "run/hormonal/compare.compare.tsv")
        // Snakemake's logs are not outputs and must be ignored.
        try put("chr\tps\tp_score\n1\t1\t0.5\n", "run/logs/stray.assoc.txt")
    }
}
