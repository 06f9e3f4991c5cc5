import Foundation
import Formats

/// The text files of a simulation: phenotype and covariate tables (PLINK 2 style, tab
/// separated, `NA` for missing), PLINK 2 `.eigenvec`/`.eigenval`, and the truth tables.
/// Numbers have six significant digits (`%.6g`), so the same simulation gives the same bytes.
public enum SimulationText {
    /// `FID IID trait…`, one row per individual in `.fam` order.
    public static func phenotypes(fam: [FamRecord], traits: SimulatedTraits) -> String {
        var s = (["FID", "IID"] + traits.names).joined(separator: "\t") + "\n"
        for (i, r) in fam.enumerated() {
            s += r.fid + "\t" + r.iid
            for t in 0..<traits.values.columns { s += "\t" + number(traits.values[i, t]) }
            s += "\n"
        }
        return s
    }

    /// `FID IID age sex batch`: age in years, sex 1/2 as in the `.fam`, batch `B1`….
    public static func covariates(fam: [FamRecord], covariates c: SimulatedCovariates) -> String {
        var s = "FID\tIID\tage\tsex\tbatch\n"
        for (i, r) in fam.enumerated() {
            s += "\(r.fid)\t\(r.iid)\t\(String(format: "%.1f", c.age[i]))\t\(c.sex[i])\tB\(c.batch[i] + 1)\n"
        }
        return s
    }

    /// PLINK 2 `.eigenvec`: `#FID IID PC1…`.
    public static func eigenvec(fam: [FamRecord], components pcs: PrincipalComponents) -> String {
        var s = (["#FID", "IID"] + (1...pcs.values.count).map { "PC\($0)" }).joined(separator: "\t") + "\n"
        for (i, r) in fam.enumerated() {
            s += r.fid + "\t" + r.iid
            for j in 0..<pcs.vectors.columns { s += "\t" + number(pcs.vectors[i, j]) }
            s += "\n"
        }
        return s
    }

    /// PLINK 2 `.eigenval`: one eigenvalue per line.
    public static func eigenval(components pcs: PrincipalComponents) -> String {
        pcs.values.map { number($0) + "\n" }.joined()
    }

    /// The causal SNPs: `chr rs ps a1 a1_freq traits beta_<trait>…` (traits comma separated;
    /// betas per copy of A1 on the latent scale, 0 for traits the SNP does not act on).
    public static func truth(population: SimulatedPopulation, traits: SimulatedTraits) -> String {
        var s = (["chr", "rs", "ps", "a1", "a1_freq", "traits"] + traits.names.map { "beta_" + $0 })
            .joined(separator: "\t") + "\n"
        for c in traits.causal {
            let v = population.bim[c.snp]
            s += "\(v.chromosome)\t\(v.id)\t\(v.position)\t\(v.allele1)\t\(number(c.frequency))\t"
            s += c.traits.map { traits.names[$0] }.joined(separator: ",")
            for e in c.effects { s += "\t" + number(e) }
            s += "\n"
        }
        return s
    }

    /// The true variance split and covariate effects per trait: `trait map polygenic causal
    /// family residual heritability covariates age female batch_B2…` (latent scale).
    public static func variance(traits: SimulatedTraits) -> String {
        let batches = (2...max(2, traits.covariates.batches)).prefix(traits.covariates.batches - 1).map { "batch_B\($0)" }
        var s = (["trait", "map", "polygenic", "causal", "family", "residual", "heritability", "covariates",
                  "age", "female"] + batches).joined(separator: "\t") + "\n"
        for (t, name) in traits.names.enumerated() {
            let v = traits.variance[t], e = traits.effects[t]
            let fields = [v.polygenic, v.causal, v.family, v.residual, v.heritability, v.covariates, e.age, e.female]
                + e.batch.dropFirst()
            s += ([name, traits.maps[t].summary] + fields.map(number)).joined(separator: "\t") + "\n"
        }
        return s
    }

    /// `%.6g`, `NA` for NaN.
    static func number(_ x: Double) -> String {
        x.isNaN ? "NA" : String(format: "%.6g", x)
    }
}
