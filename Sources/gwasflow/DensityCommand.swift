import ArgumentParser
import Flows
import Formats
import GWASFlow

/// `gwasflow density`: fit an i.i.d. normalizing flow to columns of a table.
struct DensityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "density",
        abstract: "Fit an i.i.d. normalizing flow (affine or spline couplings) to columns of a table.",
        discussion: """
            Writes PREFIX.model.json (architecture, weights, ActNorm state, standardisation), \
            PREFIX.metrics.tsv (train_nll, validation_nll, test_nll with --test, seconds_per_epoch, …; \
            NLLs in nats per individual on the original data scale) and PREFIX.log with one line per epoch. \
            Rows with a missing value are left out; columns are z-scored with the training moments; the \
            weights of the epoch with the best validation NLL are kept. \
            With --model lgf (localised generative flow) or marginal (marginalizing flow, --aux auxiliary \
            dimensions; by default with a learned proposal q(ε | x) and the interleaved layout, which needs \
            p + B and --layers even: without --aux, B is 2 or 3 to make p + B even, and an odd p + --aux or \
            --layers is a usage error; --fixed-proposal --random-permutations give the older form), NLLs are importance-sampled with --samples draws per individual and reported with \
            their standard errors, and PREFIX.logdensity.tsv (log p(x) per individual, with its Monte Carlo \
            error) and PREFIX.samples.tsv are written beside PREFIX.model.json, which also holds the importance-sampling \
            seed: reloaded, it reproduces the log-densities bit for bit. \
            lgf and marginal accept the dependence options of normalize (--grm [--eigen], --eigen, --pcs with \
            --n-pcs, --blocks, --iid): the base latent of the training individuals then follows \
            MN(0, λI + (1 − λ)G, I) (for marginal on its first p columns; the --aux columns stay i.i.d.) and λ is \
            fitted by the alternating schedule (--rounds; PREFIX.lambda.tsv has λ after every λ stage; with a \
            validation split the model kept is the flow stage with the lowest validation NLL, and lambda in the \
            metrics is the λ it was trained at, selected_stage its number), or ρ per block jointly. The table's data rows stand for the .fam: in file order for a GEMMA matrix or \
            --eigen, by FID/IID for GCTA binary matrices, PCs and blocks.
            """)

    @Option(help: ArgumentHelp("Table of values: FID IID header (PLINK style) or headerless (GEMMA style).", valueName: "FILE"))
    var pheno: String

    @Option(help: ArgumentHelp("Columns to model: 1-based positions (1,2,4 or 2-4) or header names.", valueName: "LIST"))
    var columns: String = "all"

    @Option(help: ArgumentHelp("Model: affine (RealNVP affine couplings; realnvp is the same) or spline (plain flow), lgf (localised generative flow: --layers LGF layers of --couplings-per-layer affine couplings then exp(s(u))·+t(u)) or marginal (marginalizing flow).", valueName: "KIND"))
    var model: String = "affine"

    @Option(help: ArgumentHelp("lgf: dimension of each layer's latent u (default 2); marginal: auxiliary dimensions B (default 2, or 3 for an odd number of columns so that p + B is even as the interleaved layout needs).", valueName: "B"))
    var aux: Int?

    @Option(name: .customLong("couplings-per-layer"), help: ArgumentHelp("lgf: affine couplings in each LGF layer, before its u-indexed map exp(s(u))·+t(u) (default 2). 1 with --aux 1 is the shape of the authors' 2-D form, which with --train-samples 4 beat the plain flow on two rectangles (docs/benchmarks/beyond.md).", valueName: "N"))
    var couplingsPerLayer: Int?

    @Option(help: ArgumentHelp("lgf and marginal: importance samples per individual for log-densities and NLLs.", valueName: "S"))
    var samples: Int = 256

    @Option(name: .customLong("train-samples"), help: ArgumentHelp("lgf and marginal, i.i.d. fits: noise draws per individual in the training bound (1: the ELBO; K > 1: the importance-weighted bound, tighter, K times the cost). Default 8, the bound that beat the plain flow on fresh seeds of the moons for both models (K = 4 was inconclusive for lgf; docs/benchmarks/beyond.md); 1 with --grm, --eigen, --pcs or --blocks, whose objective is the ELBO.", valueName: "K"))
    var trainSamples: Int?

    /// `--learned-proposal` (the default) or `--fixed-proposal`.
    enum Proposal: EnumerableFlag {
        case learnedProposal, fixedProposal

        static func help(for value: Self) -> ArgumentHelp? {
            switch value {
            case .learnedProposal:
                "marginal (default): learn the importance-sampling proposal q(ε | x), a Gaussian head with the --hidden widths."
            case .fixedProposal:
                "marginal: the fixed N(0, I) proposal of the older form (it stays at the Gaussian fit of two-component targets; docs/benchmarks/beyond.md)."
            }
        }
    }

    /// `--interleaved` (the default) or `--random-permutations`.
    enum Layout: EnumerableFlag {
        case interleaved, randomPermutations

        static func help(for value: Self) -> ArgumentHelp? {
            switch value {
            case .interleaved:
                "marginal (default): interleaved layout, each coupling half holds half of the data and half of the auxiliary dimensions and the data end in the leading latent columns (where the dependence options put C); needs p + --aux and --layers even, one-line error otherwise."
            case .randomPermutations:
                "marginal: random permutations between the couplings (the older form; any p + --aux and --layers, but under a dependence option λ̂ is unreliable)."
            }
        }
    }

    @Flag var proposal: Proposal?

    @Flag var layout: Layout?

    @Option(help: "Number of coupling layers.")
    var layers: Int = 16

    @Option(help: ArgumentHelp("Hidden widths of each coupling's MLP, comma separated.", valueName: "WIDTHS"))
    var hidden: String = "128,128"

    @Option(help: "Spline bins K (spline couplings).")
    var bins: Int = 16

    @Option(help: ArgumentHelp("Spline tail bound B: splines act on [-B, B] of the standardised data, identity outside.", valueName: "B"))
    var bound: Double = 4

    @Option(help: "Mini-batch size.")
    var batch: Int = 256

    @Option(help: "Training epochs.")
    var epochs: Int = 250

    @Option(help: "Initial learning rate.")
    var lr: Double = 0.03

    @Option(help: ArgumentHelp("Optimiser: adamax or adam.", valueName: "NAME"))
    var optimizer: String = "adamax"

    @Option(name: .customLong("weight-decay"), help: "Coupled L2 weight decay.")
    var weightDecay: Double = 0.01

    @Option(name: .customLong("warmup-steps"), help: ArgumentHelp("Linear learning-rate warm-up over the first N optimizer steps (at most a quarter of the run; 0: none). Default 50 for affine and spline (the GWAS-sized flows need it), 0 for lgf and marginal (with it the marginalizing flows stay at the Gaussian fit; docs/benchmarks/beyond.md).", valueName: "N"))
    var warmupSteps: Int?

    @Option(name: .customLong("lr-decay"), help: ArgumentHelp("Step-wise learning-rate decay factor (applied 32 times over the run).", valueName: "GAMMA"))
    var lrDecay: Double = 0.9

    @Option(help: ArgumentHelp("Clip the global gradient norm to this value.", valueName: "NORM"))
    var clip: Double?

    @Option(help: ArgumentHelp("Stop when the validation NLL has not improved for this many epochs.", valueName: "EPOCHS"))
    var patience: Int?

    @Option(help: ArgumentHelp("Fraction of individuals held out for validation (0 for none).", valueName: "FRACTION"))
    var validation: Double = 0.15

    @Option(help: ArgumentHelp("A second table with the same columns; its NLL is reported as test_nll.", valueName: "FILE"))
    var test: String?

    @OptionGroup(title: "Dependence between individuals, for lgf and marginal")
    var dependence: DependenceOptions

    @Option(help: ArgumentHelp("lgf and marginal with --grm, --eigen or --pcs: rounds of (λ stage, flow stage); --epochs is shared equally by stage 0 and the rounds.", valueName: "K"))
    var rounds: Int = 3

    @Flag(help: "Train in double precision (default: single precision).")
    var double = false

    @OptionGroup var output: OutputOptions
    @OptionGroup var options: RunOptions

    /// The training bound's draws per individual of an i.i.d. latent fit when `--train-samples` is
    /// not given: the importance-weighted bound with K = 8 beat the plain flow on the moons in a
    /// declared run on fresh seeds, for LGF and the marginalizing flow; K = 4 was inconclusive
    /// for LGF (docs/benchmarks/beyond.md).
    static let defaultTrainingSamples = 8

    func validate() throws {
        _ = try settings()
    }

    /// The parsed settings.
    func settings() throws -> DensitySettings {
        var s = DensitySettings()
        do { s.columns = try ColumnSelection(parsing: columns) } catch { throw ValidationError("\(error)") }
        let latentKind = LatentDensitySettings.Kind(rawValue: model)
        let couplingName = model == "realnvp" ? FlowArchitecture.Coupling.affine.rawValue : model
        guard let coupling = latentKind != nil ? .affine : FlowArchitecture.Coupling(rawValue: couplingName) else {
            throw ValidationError("--model must be affine (or realnvp), spline, lgf or marginal, got \(model)")
        }
        if let latentKind {
            if let aux, aux < 1 { throw ValidationError("--aux must be at least 1, got \(aux)") }
            guard samples >= 1 else { throw ValidationError("--samples must be at least 1, got \(samples)") }
            s.latent = LatentDensitySettings(kind: latentKind)
            s.latent?.auxiliary = aux
            s.latent?.samples = samples
            if let couplingsPerLayer {
                guard couplingsPerLayer >= 1 else {
                    throw ValidationError("--couplings-per-layer must be at least 1, got \(couplingsPerLayer)")
                }
                s.latent?.couplingsPerLayer = couplingsPerLayer
            }
            if let proposal { s.latent?.learnedProposal = proposal == .learnedProposal }
            if let layout { s.latent?.interleaved = layout == .interleaved }
        }
        if couplingsPerLayer != nil && latentKind != .lgf {
            throw ValidationError("--couplings-per-layer is for --model lgf")
        }
        if (proposal != nil || layout != nil) && latentKind != .marginal {
            throw ValidationError("--learned-proposal, --fixed-proposal, --interleaved and --random-permutations are for --model marginal")
        }
        let widths = hidden.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !widths.isEmpty, widths.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw ValidationError("--hidden must be positive widths separated by commas, like 128,128; got \(hidden)")
        }
        guard layers >= 1 else { throw ValidationError("--layers must be at least 1, got \(layers)") }
        guard bins >= 2 else { throw ValidationError("--bins must be at least 2, got \(bins)") }
        guard bound > 0 else { throw ValidationError("--bound must be positive, got \(bound)") }
        guard batch >= 2 else { throw ValidationError("--batch must be at least 2, got \(batch)") }
        guard epochs >= 1 else { throw ValidationError("--epochs must be at least 1, got \(epochs)") }
        guard lr > 0 else { throw ValidationError("--lr must be positive, got \(lr)") }
        guard let rule = Optimizer<Float>.Rule(rawValue: optimizer) else {
            throw ValidationError("--optimizer must be adamax or adam, got \(optimizer)")
        }
        guard weightDecay >= 0 else { throw ValidationError("--weight-decay must be ≥ 0, got \(weightDecay)") }
        if let warmupSteps, warmupSteps < 0 { throw ValidationError("--warmup-steps must be ≥ 0, got \(warmupSteps)") }
        guard lrDecay > 0 && lrDecay <= 1 else { throw ValidationError("--lr-decay must be in (0, 1], got \(lrDecay)") }
        if let clip, !(clip > 0) { throw ValidationError("--clip must be positive, got \(clip)") }
        if let patience, patience < 1 { throw ValidationError("--patience must be at least 1, got \(patience)") }
        guard validation >= 0 && validation < 1 else { throw ValidationError("--validation must be in [0, 1), got \(validation)") }
        if patience != nil && validation == 0 { throw ValidationError("--patience needs a validation set (--validation > 0)") }
        s.architecture = FlowArchitecture(coupling: coupling, dimension: 1, layers: layers, hidden: widths.map { $0! },
                                          bins: bins, bound: bound)
        s.training.batchSize = batch
        s.training.epochs = epochs
        s.training.learningRate = lr
        s.training.rule = rule
        s.training.weightDecay = weightDecay
        s.training.decayRate = lrDecay
        s.training.warmupSteps = warmupSteps ?? (latentKind == nil ? TrainingSettings().warmupSteps : 0)
        s.training.gradientClipNorm = clip
        s.training.patience = patience
        s.validationFraction = validation
        s.test = test
        s.double = double
        if dependence.isGiven && latentKind == nil {
            throw ValidationError("--grm, --eigen, --pcs, --blocks and --iid need --model lgf or marginal (plain flows of related individuals: gwasflow normalize)")
        }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1, got \(rounds)") }
        let fittedIID = latentKind != nil && (!dependence.isGiven || dependence.iid)
        if let trainSamples {
            guard trainSamples >= 1 else { throw ValidationError("--train-samples must be at least 1, got \(trainSamples)") }
            if trainSamples > 1 && !fittedIID {
                throw ValidationError("--train-samples above 1 needs --model lgf or marginal fitted i.i.d. (no --grm, --eigen, --pcs or --blocks)")
            }
        }
        s.latent?.rounds = rounds
        s.latent?.trainingSamples = trainSamples ?? (fittedIID ? Self.defaultTrainingSamples : 1)
        s.relatedness = dependence.source(grm: dependence.grm)
        return s
    }

    func run() throws {
        let settings = try settings()
        try options.execute(output: output) { context, prefix in
            let r = try density(pheno: pheno, settings: settings, out: prefix, context: context)
            var line = "train NLL \(r.trainNLL)"
            if let v = r.validationNLL { line += ", validation NLL \(v)" }
            if let t = r.testNLL { line += ", test NLL \(t)" }
            let files = settings.latent == nil ? "\(prefix).model.json"
                : "\(prefix).model.json, \(prefix).logdensity.tsv, \(prefix).samples.tsv"
            print("\(line); \(r.secondsPerEpoch) s per epoch; wrote \(files) and \(prefix).metrics.tsv")
        }
    }
}
