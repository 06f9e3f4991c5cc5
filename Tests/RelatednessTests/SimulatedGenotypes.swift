import Foundation
import Formats
import Numerics

/// A small PLINK fileset written for a test, with the genotypes kept for brute-force checks.
struct SimulatedGenotypes {
    /// A1 counts SNP by SNP, -1 for missing.
    var genotypes: [[Int8]]
    var fam: [FamRecord]
    var prefix: String

    var individuals: Int { fam.count }

    /// n individuals, m SNPs: common SNPs, a tenth rare (frequency < 2%), missingness 0–10% per SNP,
    /// a few monomorphic or nearly so, and pairs of close relatives (every 10th individual copies
    /// most of the previous one's genotypes). Individuals whose index is 3 mod 7 get a missing
    /// `.fam` phenotype, so GEMMA decides its SNP filters without them.
    static func write(folder: String, name: String = "sim", individuals n: Int, snps m: Int, seed: UInt64) throws -> SimulatedGenotypes {
        var g = SeededGenerator(seed: seed)
        var genotypes: [[Int8]] = []
        for s in 0..<m {
            let p: Double = s % 10 == 0 ? 0.02 * g.uniform() : 0.05 + 0.45 * g.uniform()
            let missRate = [0, 0.01, 0.03, 0.06, 0.1][Int(g.next() % 5)]
            var row = [Int8](repeating: 0, count: n)
            for i in 0..<n {
                if i % 10 == 9 && g.uniform() < 0.8 { row[i] = row[i - 1]; continue }
                row[i] = Int8((g.uniform() < p ? 1 : 0) + (g.uniform() < p ? 1 : 0))
            }
            for i in 0..<n where g.uniform() < missRate { row[i] = -1 }
            if s % 97 == 5 { row = [Int8](repeating: 1, count: n) }  // all heterozygous
            if s % 89 == 7 { for i in 0..<n { row[i] = i < 2 ? 0 : 2 } }  // nearly monomorphic
            genotypes.append(row)
        }
        var fam: [FamRecord] = []
        for i in 0..<n {
            let phenotype = i % 7 == 3 ? "-9" : String(format: "%.4f", g.normal())
            fam.append(FamRecord(fid: "F\(i)", iid: "I\(i)", sex: 1 + i % 2, phenotype: phenotype))
        }
        let prefix = folder + "/" + name
        try AtomicFile.write(PlinkBedWriter.encode(snpMajor: genotypes, individuals: n), to: prefix + ".bed")
        var bim = ""
        for s in 0..<m { bim += "\(1 + s * 3 / m)\trs\(s)\t0\t\(1000 + 37 * s)\tA\tG\n" }
        try AtomicFile.write(bim, to: prefix + ".bim")
        try AtomicFile.write(PlinkFam.text(fam), to: prefix + ".fam")
        return SimulatedGenotypes(genotypes: genotypes, fam: fam, prefix: prefix)
    }

    /// Brute-force GEMMA GRM in Double, straight from the definition in lmm_spec.md.
    func referenceGRM(kind: Int, analysed: [Bool], rows: [Int]? = nil, maf: Double = 0.01, miss: Double = 0.05) -> (Matrix<Double>, Int) {
        let rows = rows ?? Array(0..<individuals)
        let n = rows.count
        var k = Matrix<Double>(rows: n, columns: n)
        var used = 0
        for row in genotypes {
            var c = [0, 0, 0], missing = 0, total = 0
            for (r, i) in rows.enumerated() where analysed[r] {
                total += 1
                if row[i] < 0 { missing += 1 } else { c[Int(row[i])] += 1 }
            }
            let obs = c[0] + c[1] + c[2]
            if obs == 0 || Double(missing) / Double(total) > miss { continue }
            let af = Double(c[1] + 2 * c[2]) / Double(2 * obs)
            if af < maf || af > 1 - maf { continue }
            if c[0] + c[1] == 0 || c[1] + c[2] == 0 || c[0] + c[2] == 0 { continue }
            let values = rows.map { row[$0] }
            let present = values.filter { $0 >= 0 }.map(Double.init)
            let mean = present.reduce(0, +) / Double(present.count)
            var x = values.map { $0 < 0 ? 0 : Double($0) - mean }
            if kind == 2 {
                let v = x.map { $0 * $0 }.reduce(0, +) / Double(n)
                if v > 0 { x = x.map { $0 / v.squareRoot() } }
            }
            for j in 0..<n { for i in 0..<n { k[i, j] += x[i] * x[j] } }
            used += 1
        }
        for t in k.storage.indices { k.storage[t] /= Double(used) }
        return (k, used)
    }
}

/// Runs an external tool (gemma, plink) and fails with its output when it does not exit 0.
func runTool(_ tool: String, _ arguments: [String], in folder: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/" + tool)
    process.arguments = arguments
    process.currentDirectoryURL = URL(fileURLWithPath: folder)
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    if process.terminationStatus != 0 {
        throw NSError(domain: tool, code: Int(process.terminationStatus),
                      userInfo: [NSLocalizedDescriptionKey: "\(tool) \(arguments.joined(separator: " ")) failed:\n\(text)"])
    }
    return text
}

/// A fresh temporary folder.
func temporaryFolder(_ label: String) throws -> String {
    let folder = NSTemporaryDirectory() + "gwasflow-\(label)-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return folder
}
