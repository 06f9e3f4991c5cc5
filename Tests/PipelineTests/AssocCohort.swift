import Foundation
import Formats
import Numerics
import Relatedness
import Simulation

/// A simulated cohort for the association tests: `SimulatedPopulation` genotypes (families,
/// subpopulations, missing genotypes), its centred GRM (GEMMA `-gk 1`), and d traits drawn from the
/// multivariate LMM `Y = W α + G + E`, `G ~ MN(0, K, Vg)`, `E ~ MN(0, I, Ve)`, with two covariates
/// (a continuous one and a 0/1 one) and each trait value missing with probability `missingRate`.
/// Files are written GEMMA-style (no header, `NA`; covariates with their column of 1s) so the
/// same files feed `gemma` and `gwasflow assoc`.
struct AssocCohort {
    let prefix: String
    let grmPath: String
    let phenoPath: String
    let covarPath: String
    let dataset: PlinkDataset
    /// `.fam`-aligned traits, NaN where missing.
    let traits: Matrix<Double>
    /// `.fam`-aligned design: intercept, continuous covariate, 0/1 covariate.
    let covariates: Matrix<Double>

    static func make(folder: URL, population settings: PopulationSettings, vg: Matrix<Double>, ve: Matrix<Double>,
                     missingRate: Double, seed: UInt64) throws -> AssocCohort {
        var g = SeededGenerator(seed: seed)
        let population = SimulatedPopulation(settings: settings, generator: &g)
        let prefix = folder.appendingPathComponent("cohort").path
        try population.write(prefix: prefix)
        let dataset = try PlinkDataset(prefix: prefix)
        let grm = GRMBuilder(bed: dataset.bed, kind: .centered).grm()
        let grmPath = prefix + ".cXX.txt"
        try GEMMAMatrixText.write(grm.matrix, to: grmPath)
        let k = try GEMMAMatrixText.readSquare(path: grmPath)

        let n = dataset.fam.count, d = vg.rows
        let genetic = try MatrixNormalSampler(relatedness: k).sample(lambda: 0, columnCovariance: vg, generator: &g)
        var noise = Matrix<Double>(rows: n, columns: d)
        let le = try LAPACK.cholesky(ve)
        for i in 0..<n {
            let z = (0..<d).map { _ in g.normal() }
            for a in 0..<d { for b in 0...a { noise[i, a] += le[a, b] * z[b] } }
        }
        var covariates = Matrix<Double>(rows: n, columns: 3, repeating: 1)
        var traits = Matrix<Double>(rows: n, columns: d)
        for i in 0..<n {
            covariates[i, 1] = g.normal()
            covariates[i, 2] = g.uniform() < 0.5 ? 1 : 0
            for t in 0..<d {
                let value = 0.3 * Double(t + 1) * covariates[i, 1] - 0.5 * covariates[i, 2] + genetic[i, t] + noise[i, t]
                traits[i, t] = g.uniform() < missingRate ? .nan : value
            }
        }
        func text(_ m: Matrix<Double>) -> String {
            (0..<m.rows).map { i in
                (0..<m.columns).map { m[i, $0].isNaN ? "NA" : String(format: "%.8g", m[i, $0]) }.joined(separator: " ")
            }.joined(separator: "\n") + "\n"
        }
        try AtomicFile.write(text(traits), to: prefix + ".pheno.txt")
        try AtomicFile.write(text(covariates), to: prefix + ".covar.txt")
        // Read back what the tools read, so every comparison starts from the same rounded values.
        return AssocCohort(prefix: prefix, grmPath: grmPath, phenoPath: prefix + ".pheno.txt", covarPath: prefix + ".covar.txt",
                           dataset: dataset,
                           traits: try PhenotypeTable.read(path: prefix + ".pheno.txt", fam: dataset.fam).values,
                           covariates: try CovariateTable.read(path: prefix + ".covar.txt", fam: dataset.fam).values)
    }
}

/// One `.assoc.txt` file: the header and the rows keyed by SNP ID, in file order.
struct AssocFile {
    let header: [String]
    let rows: [[String]]

    init(path: String) throws {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        header = lines.first ?? []
        rows = Array(lines.dropFirst())
    }

    func column(_ name: String) -> Int { header.firstIndex(of: name)! }
    func numbers(_ name: String) -> [Double] { let c = column(name); return rows.map { Double($0[c])! } }
    var ids: [String] { rows.map { $0[1] } }
}
