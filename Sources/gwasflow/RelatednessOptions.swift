import ArgumentParser
import GWASFlow

/// `--pcs FILE --n-pcs K`: low-rank PC relatedness from the leading K principal components, for
/// `assoc`, `compare`, `normalize` and `density`.
struct PCOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Principal components (.eigenvec) for the paper's low-rank PC relatedness (instead of --grm); needs --n-pcs.", valueName: "FILE"))
    var pcs: String?

    @Option(help: ArgumentHelp("Leading PCs used with --pcs (at least 2).", valueName: "K"))
    var nPcs: Int?

    func validate() throws {
        if (pcs == nil) != (nPcs == nil) { throw ValidationError("--pcs and --n-pcs K go together (e.g. --n-pcs 40)") }
        if let k = nPcs, k < 2 { throw ValidationError("--n-pcs must be at least 2, got \(k)") }
    }

    /// The file and K, when given.
    var source: (path: String, count: Int)? {
        guard let pcs, let nPcs else { return nil }
        return (pcs, nPcs)
    }
}

/// `--grm [--eigen]`, `--eigen`, `--pcs --n-pcs`, `--blocks`, `--iid`: the dependence between
/// individuals for `normalize` and `density --model lgf|marginal` (`NormalizeRelatedness`).
struct DependenceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Relatedness matrix: GEMMA text (.cXX.txt, rows in .fam order) or GCTA binary prefix (IDs matched).", valueName: "FILE"))
    var grm: String?

    @Option(help: ArgumentHelp("Eigendecomposition prefix from `gwasflow eigen` (PREFIX.eigenD.txt/.eigenU.txt): alone, or with --grm reused when it applies.", valueName: "PREFIX"))
    var eigen: String?

    @OptionGroup var pc: PCOptions

    @Option(help: ArgumentHelp("Equicorrelated blocks, ρ trained jointly: FID (the family) or a numeric column of --pheno.", valueName: "COLUMN"))
    var blocks: String?

    @Flag(help: "Independent individuals (C = I): the i.i.d. fit.")
    var iid = false

    func validate() throws {
        if [grm != nil || eigen != nil, pc.pcs != nil, blocks != nil, iid].filter({ $0 }).count > 1 {
            throw ValidationError("give one relatedness source: --grm [--eigen], --eigen, --pcs with --n-pcs, --blocks, or --iid")
        }
    }

    /// Whether any of these options is given.
    var isGiven: Bool { grm != nil || eigen != nil || pc.pcs != nil || blocks != nil || iid }

    /// The source given, in the order --iid, --blocks, --pcs, --grm, --eigen; `grm` stands for
    /// `--grm` (a command may resolve a project default there) and is evaluated only when none of
    /// the first three is given. nil when there is no source.
    func source(grm: @autoclosure () -> String?) -> NormalizeRelatedness? {
        if iid { return .independent }
        if let blocks { return .blocks(column: blocks) }
        if let pcs = pc.source { return .pcs(path: pcs.path, count: pcs.count) }
        if let grm = grm() { return .grm(path: grm, eigen: eigen) }
        if let eigen { return .eigen(prefix: eigen) }
        return nil
    }
}
