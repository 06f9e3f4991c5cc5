import ArgumentParser
import Dependence
import Flows
import Formats
import GWASFlow

/// `gwasflow normalize`: relatedness-corrected flow training (method.md §2–5).
struct NormalizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "normalize",
        abstract: "Map phenotypes to a multivariate normal with a flow trained on related individuals.",
        discussion: """
            Covariates are projected out of each trait (least squares on the individuals where it is observed) \
            and the residuals z-scored; a flow is then trained on the individuals with every trait observed and \
            a relatedness entry, with latent law U ~ MN(0, C, I). C comes from --grm (C = λI + (1 − λ)G, λ \
            learned), --pcs with --n-pcs (low-rank PC relatedness), --blocks (equicorrelated blocks, e.g. FID) \
            or --iid (C = I). Writes PREFIX.pheno.txt (GEMMA, .fam order, NA where not normalized), \
            PREFIX.pheno.tsv (FID IID trait…), PREFIX.model.json (for `gwasflow transform`), PREFIX.lambda.tsv \
            (λ or ρ after every stage), PREFIX.diagnostics.tsv (Mardia's tests and validation NLL before and \
            after) and PREFIX.log.
            """)

    @OptionGroup var genotypes: GenotypeOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var options: RunOptions

    @OptionGroup var phenotypes: PhenotypeOptions

    @Option(help: ArgumentHelp("The .fam file, when there is no --bfile.", valueName: "FILE"))
    var fam: String?

    @OptionGroup(title: "Relatedness, one source (default: the grm of gwasflow.toml)")
    var dependence: DependenceOptions

    @Option(help: "Training schedule: alternating (default with a GRM or PCs), grid, baseline, or joint (default with --blocks).")
    var schedule: String?

    @Option(help: "Coupling layers: affine or spline.")
    var coupling = "affine"

    @Option(help: ArgumentHelp("Number of coupling layers.", valueName: "N"))
    var layers = 16

    @Option(help: ArgumentHelp("Hidden widths of each coupling's MLP.", valueName: "W,W"))
    var hidden = "128,128"

    @OptionGroup var lengths: ScheduleOptions

    @Option(help: ArgumentHelp("Alternating: λ of stage 0.", valueName: "LAMBDA"))
    var initialLambda = 0.9

    @Option(help: "λ stage: exact (Brent on the 1-D objective) or gd (the paper's 100 sigmoid-parametrised steps).")
    var lambdaStep = "exact"

    @Option(help: "How --schedule grid picks λ: validation (the validation individuals' NLL given the training individuals under each λ, default) or likelihood (each flow's full-data objective under its own λ).")
    var gridSelection = "validation"

    @Option(help: ArgumentHelp("Grid: the λ values tried.", valueName: "L,L,…"))
    var grid = "1,0.99,0.975,0.95,0.9,0.825,0.75,0.625,0.5,0.4,0.33,0.25,0.1"

    @Option(help: ArgumentHelp("Individuals per mini-batch.", valueName: "B"))
    var batchSize = 256

    @Option(help: ArgumentHelp("Adamax learning rate.", valueName: "RATE"))
    var learningRate = 0.03

    @Option(help: ArgumentHelp("Coupled L2 weight decay on the flow's parameters.", valueName: "RATE"))
    var weightDecay = 0.01

    @Option(help: ArgumentHelp("Fraction of individuals held out to select the checkpoint (i.i.d. NLL).", valueName: "F"))
    var validationFraction = 0.15

    func validate() throws {
        if let s = schedule, ScheduleKind(rawValue: s) == nil {
            throw ValidationError("--schedule must be one of \(ScheduleKind.allCases.map(\.rawValue).joined(separator: ", ")), got \(s)")
        }
        if schedule == "joint" && dependence.blocks == nil { throw ValidationError("--schedule joint needs --blocks (per-block ρ)") }
        if FlowArchitecture.Coupling(rawValue: coupling) == nil {
            throw ValidationError("--coupling must be one of \(FlowArchitecture.Coupling.allCases.map(\.rawValue).joined(separator: ", ")), got \(coupling)")
        }
        if LambdaStep(rawValue: lambdaStep) == nil { throw ValidationError("--lambda-step must be exact or gd, got \(lambdaStep)") }
        if GridSelection(rawValue: gridSelection) == nil { throw ValidationError("--grid-selection must be validation or likelihood, got \(gridSelection)") }
        if !(initialLambda > 0 && initialLambda <= 1) { throw ValidationError("--initial-lambda must be in (0, 1], got \(initialLambda)") }
        if !(validationFraction >= 0 && validationFraction < 1) { throw ValidationError("--validation-fraction must be in [0, 1), got \(validationFraction)") }
        if batchSize < 2 { throw ValidationError("--batch-size must be at least 2, got \(batchSize)") }
        if layers < 1 { throw ValidationError("--layers must be at least 1, got \(layers)") }
        _ = try hiddenWidths()
        _ = try gridValues()
    }

    func hiddenWidths() throws -> [Int] {
        let widths = hidden.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !widths.isEmpty, widths.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--hidden must be positive widths separated by commas, e.g. 128,128; got \(hidden)")
        }
        return widths.map { $0! }
    }

    func gridValues() throws -> [Double] {
        let values = grid.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) > 0 && ($0 ?? 2) <= 1 }) else {
            throw ValidationError("--grid must be λ values in (0, 1] separated by commas; got \(grid)")
        }
        return values.map { $0! }
    }

    func run() throws {
        try options.execute(output: output) { context, prefix in
            let famPath: String
            if let fam { famPath = fam } else { famPath = try context.requiredPath(genotypes.bfile, or: .bfile) + ".fam" }
            guard let source = dependence.source(grm: context.path(dependence.grm, or: .grm)) else {
                throw UsageError("no relatedness given: pass --grm FILE (or set grm in gwasflow.toml), --pcs FILE --n-pcs K, --blocks FID, or --iid")
            }
            var settings = NormalizeSettings(pheno: phenotypes.pheno, fam: famPath, relatedness: source)
            settings.columns = try phenotypes.columnSelection()
            settings.covar = phenotypes.covariates(context)
            settings.validationFraction = validationFraction
            var s = ScheduleSettings()
            switch source {
            case .independent: s.kind = .baseline
            case .blocks: s.kind = ScheduleKind(rawValue: schedule ?? "joint")!
            default: s.kind = ScheduleKind(rawValue: schedule ?? "alternating")!
            }
            s.architecture = FlowArchitecture(coupling: FlowArchitecture.Coupling(rawValue: coupling)!, dimension: 1,
                                              layers: layers, hidden: try hiddenWidths())
            s.training.batchSize = batchSize
            s.training.learningRate = learningRate
            s.training.weightDecay = weightDecay
            lengths.apply(to: &s)
            s.initialLambda = initialLambda
            s.lambdaStep = LambdaStep(rawValue: lambdaStep)!
            s.gridSelection = GridSelection(rawValue: gridSelection)!
            s.grid = try gridValues()
            s.seed = context.seed
            settings.schedule = s
            let result = try normalize(settings: settings, out: prefix, context: context)
            let last = result.schedule.records.last { $0.stage.hasPrefix("lambda") }?.lambda
            let lambda = last.map { String(format: ", last λ stage %.4f", $0) } ?? ""
            print("normalized \(result.rows.count) individuals × \(result.traits.count) traits (\(s.kind.rawValue)\(lambda), kept checkpoint \(result.schedule.selectedStage)); wrote \(prefix).pheno.txt, \(prefix).pheno.tsv, \(prefix).model.json")
        }
    }
}
