import Formats
import Foundation

/// Builds the report page of a run from the files `RunFiles` found. Each section draws what it
/// has and says plainly what it lacks, so a partial run (say, normalization done, association
/// still running) gives a useful page.
public enum RunReport {
    /// Figures about what went into the page (for the log and the command's summary line).
    public struct Summary: Equatable, Sendable {
        public var normalizations = 0
        public var associations = 0
        public var plots = 0
        public var missingSections: [String] = []
    }

    /// Traits beyond this many are left out of the pairwise grid (the QQ plots show all).
    static let maxPairTraits = 5

    /// The page and its summary. `notes` appear under the title (version, date, inputs).
    public static func build(_ files: RunFiles, notes: [String]) -> (html: String, summary: Summary) {
        var page = ReportPage(title: "gwasflow report: \(files.run)", notes: notes)
        var summary = Summary()
        var normalizations: [NormalizationOutputs] = []
        var unreadable: [String] = []
        for item in files.normalizations {
            do { normalizations.append(try NormalizationOutputs(name: item.name, prefix: item.path)) }
            catch { unreadable.append("\(item.name): \(error)") }
        }
        summary.normalizations = normalizations.count
        let problems = unreadable.map(ReportPage.missing)

        func add(_ id: String, _ title: String, intro: String, _ body: [String], missing: String) {
            var content = body
            if body.isEmpty {
                content = [ReportPage.missing(missing)]
                summary.missingSections.append(id)
            }
            summary.plots += content.joined().components(separatedBy: "<svg class=\"plot\"").count - 1
            page.section(id: id, title: title, intro: intro, body: content)
        }

        add("traits", "Traits before and after normalization",
            intro: "Pairwise 2-D histograms of the traits of each normalization: raw values as read (left of each pair) and the flow's output (right), over the individuals with every trait normalized.",
            normalizations.map(pairwiseHistograms) + problems,
            missing: "No normalized phenotypes found (looked for *.pheno.tsv or *.pheno.txt under \(files.run)); run gwasflow normalize.")
        add("qq-traits", "Traits against N(0, 1)",
            intro: "Quantile–quantile plots of each trait: normalized values (blue) and raw values z-scored (orange). A trait that is N(0, 1) lies on the dashed diagonal.",
            normalizations.map(traitQQ),
            missing: "No normalized phenotypes found, so there is nothing to compare with N(0, 1).")
        add("training", "Relatedness λ and training",
            intro: "λ (or ρ) after every stage of the schedule (X.lambda.tsv), the objectives recorded per stage, per-epoch training and validation curves where the run wrote them, and the normality diagnostics (X.diagnostics.tsv).",
            normalizations.compactMap(training),
            missing: "No λ tables (*.lambda.tsv), training curves or diagnostics found.")

        var associationBody: [String] = []
        for item in files.associations {
            do {
                associationBody.append(try association(item))
                summary.associations += 1
            } catch {
                associationBody.append(ReportPage.missing("\(item.name): \(error)"))
            }
        }
        add("association", "Association per arm",
            intro: "Manhattan and QQ plots of each association table (the dashed line of the Manhattan plot is 0.05 / number of SNPs, the default index threshold of gwasflow loci).",
            associationBody,
            missing: "No association results found (looked for *.assoc.txt under \(files.run)); run gwasflow assoc.")
        add("loci", "Independent loci",
            intro: "Loci per arm from gwasflow compare (X.compare.tsv) and the number of clumps in each locus table (X.loci.tsv).",
            lociTables(files),
            missing: "No locus tables found (looked for *.compare.tsv and *.loci.tsv under \(files.run)); run gwasflow loci or gwasflow compare.")
        return (page.html(), summary)
    }

    // MARK: Sections

    static func pairwiseHistograms(_ run: NormalizationOutputs) -> String {
        let shown = min(run.traits.count, maxPairTraits)
        var figures: [String] = []
        let afterRanges = run.after.map(Histogram2D.robustRange)
        let beforeRanges = run.before?.map(Histogram2D.robustRange)
        for i in 0..<shown {
            for j in (i + 1)..<max(shown, i + 1) {
                var pair: [String] = []
                if let before = run.before, let ranges = beforeRanges {
                    let h = Histogram2D(x: before[i], y: before[j], bins: 30, xRange: ranges[i], yRange: ranges[j])
                    pair.append(ReportPage.figure(Histogram2DPlot.svg(h, title: "raw", xLabel: run.traits[i], yLabel: run.traits[j], size: 175),
                                                  caption: "\(run.traits[i]) vs \(run.traits[j]), raw"))
                }
                let h = Histogram2D(x: run.after[i], y: run.after[j], bins: 30, xRange: afterRanges[i], yRange: afterRanges[j])
                pair.append(ReportPage.figure(Histogram2DPlot.svg(h, title: "normalized", xLabel: run.traits[i], yLabel: run.traits[j], size: 175),
                                              caption: "\(run.traits[i]) vs \(run.traits[j]), normalized"))
                figures.append("<div class=\"pair\">" + pair.joined() + "</div>")
            }
        }
        var html = ReportPage.row(figures, heading: "\(run.name): \(run.after.first?.count ?? 0) individuals, \(run.traits.count) traits")
        if run.traits.count < 2 { html += ReportPage.missing("Only one trait: no pairs to show.") }
        if run.traits.count > shown {
            html += "<p class=\"note\">Pairs among the first \(shown) of \(run.traits.count) traits are shown.</p>"
        }
        if let problem = run.beforeProblem {
            html += ReportPage.missing("Raw values not shown: \(problem).")
        } else if let source = run.beforeSource {
            html += "<p class=\"note\">Raw values from \(SVG.escape(source)).</p>"
        }
        return html
    }

    static func traitQQ(_ run: NormalizationOutputs) -> String {
        var figures: [String] = []
        for (k, trait) in run.traits.enumerated() {
            var samples: [(name: String, values: [Double])] = [("normalized", run.after[k])]
            if let before = run.before { samples.append(("raw, z-scored", zScored(before[k]))) }
            figures.append(ReportPage.figure(NormalQQPlot.svg(samples: samples, title: trait, size: 220),
                                             caption: "\(run.name): \(trait)",
                                             legend: LinePlot.legend(samples.map(\.name))))
        }
        return ReportPage.row(figures, heading: run.name)
    }

    static func training(_ run: NormalizationOutputs) -> String? {
        var figures: [String] = []
        var notes: [String] = []
        if let table = run.lambda, !table.rows.isEmpty {
            let stage = table.column("stage").flatMap { table.isNumeric($0) ? table.numbers($0) : nil }
                ?? table.rows.indices.map(Double.init)
            let lower = table.columns.map { $0.lowercased() }
            let parameters = table.columns.indices.filter { (lower[$0].hasPrefix("lambda") || lower[$0].hasPrefix("rho")) && table.isNumeric($0) }
            let objectives = table.columns.indices.filter {
                ["nll", "objective", "loss", "likelihood"].contains(where: lower[$0].contains) && table.isNumeric($0)
            }
            for (group, title, label) in [(Array(parameters.prefix(6)), "λ per stage", "value"), (Array(objectives.prefix(6)), "objective per stage", "nats")] where !group.isEmpty {
                let series = group.map { c in Series(name: table.columns[c], points: zip(stage, table.numbers(c)).map { ($0, $1) }) }
                figures.append(ReportPage.figure(LinePlot.svg(series, title: title, xLabel: "stage", yLabel: label),
                                                 caption: "\(run.name): \(title) (\(URL(fileURLWithPath: table.path).lastPathComponent))",
                                                 legend: LinePlot.legend(series.map(\.name))))
            }
            if parameters.isEmpty {
                let named = table.columns.contains { $0.lowercased().hasPrefix("lambda") || $0.lowercased().hasPrefix("rho") }
                notes.append(named ? "λ and ρ are NA in every stage of \(URL(fileURLWithPath: table.path).lastPathComponent): this schedule does not estimate them (C = I)."
                                   : "\(table.path) has no lambda or rho column.")
            }
        } else {
            notes.append("No λ table (\(run.name).lambda.tsv) found.")
        }
        if let table = run.curves {
            let lower = table.columns.map { $0.lowercased() }
            let columns = table.columns.indices.filter {
                ["train", "valid", "nll", "loss"].contains(where: lower[$0].contains) && table.isNumeric($0)
            }
            // Epochs restart with every stage, so the x axis counts epochs over the whole run.
            let series = columns.prefix(6).map { c in Series(name: table.columns[c], points: table.numbers(c).enumerated().map { (Double($0.offset + 1), $0.element) }) }
            if !series.isEmpty {
                figures.append(ReportPage.figure(LinePlot.svg(series, title: "training and validation", xLabel: "epoch (whole run)", yLabel: "nats per individual", width: 420),
                                                 caption: "\(run.name): \(URL(fileURLWithPath: table.path).lastPathComponent)",
                                                 legend: LinePlot.legend(series.map(\.name))))
            }
        } else {
            notes.append("No per-epoch training curves found (a \(run.name).*.tsv with an epoch column, or `epoch N:` lines in \(run.name).log).")
        }
        var html = ReportPage.row(figures, heading: run.name)
        html += notes.map(ReportPage.missing).joined()
        if let diagnostics = run.diagnostics {
            html += ReportPage.table(columns: diagnostics.columns, rows: diagnostics.rows, caption: "Normality diagnostics (\(URL(fileURLWithPath: diagnostics.path).lastPathComponent))")
        }
        return figures.isEmpty && run.diagnostics == nil ? nil : html
    }

    /// p-value column names, in order of preference (GEMMA's, then PLINK's).
    static let pNames = ["p_score", "p_wald", "p_lrt", "P", "p_value", "pvalue"]

    static func association(_ item: RunFiles.Item) throws -> String {
        let table = try TextTable(path: item.path, keeping: [pNames, ["chr", "CHR", "CHROM"], ["ps", "BP", "POS", "position"]])
        guard let pColumn = table.column(in: pNames) else {
            throw FormatError(path: item.path, "no p-value column (p_score, p_wald, p_lrt or P) in the header")
        }
        let p = table.numbers(pColumn)
        var figures: [String] = []
        var notes: [String] = []
        if let chr = table.column("chr", "CHR", "CHROM"), let pos = table.column("ps", "BP", "POS", "position") {
            let points = table.rows.indices.compactMap { i -> AssociationPoint? in
                guard chr < table.rows[i].count, pos < table.rows[i].count, let position = Double(table.rows[i][pos]) else { return nil }
                return AssociationPoint(chromosome: table.rows[i][chr], position: position, p: p[i])
            }
            figures.append(ReportPage.figure(ManhattanPlot.svg(points, title: item.name), caption: "\(item.name): \(p.count) SNPs"))
        } else {
            notes.append("\(item.path): no chromosome/position columns, so no Manhattan plot.")
        }
        figures.append(ReportPage.figure(PValueQQPlot.svg(pValues: p, title: item.name), caption: "\(item.name): QQ of \(table.columns[pColumn])"))
        return ReportPage.row(figures, heading: item.name) + notes.map(ReportPage.missing).joined()
    }

    static func lociTables(_ files: RunFiles) -> [String] {
        var body: [String] = []
        for item in files.comparisons {
            if let table = try? TextTable(path: item.path) {
                body.append(ReportPage.table(columns: table.columns, rows: table.rows, caption: "\(item.name) (\(URL(fileURLWithPath: item.path).lastPathComponent))"))
            } else {
                body.append(ReportPage.missing("\(item.path) could not be read."))
            }
        }
        if !files.loci.isEmpty {
            let rows = files.loci.map { item -> [String] in
                let count = (try? TextTable(path: item.path)).map { String($0.rows.count) } ?? "unreadable"
                return [item.name, count]
            }
            body.append(ReportPage.table(columns: ["locus table", "loci"], rows: rows, caption: "Clumps per locus table"))
        }
        return body
    }

    static func zScored(_ values: [Double]) -> [Double] {
        let finite = values.filter(\.isFinite)
        guard finite.count > 1 else { return values }
        let mean = finite.reduce(0, +) / Double(finite.count)
        let sd = (finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(finite.count - 1)).squareRoot()
        return values.map { sd > 0 ? ($0 - mean) / sd : $0 - mean }
    }
}
