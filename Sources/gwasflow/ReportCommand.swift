import ArgumentParser
import GWASFlow

/// `gwasflow report`: the HTML report of a run.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML report (inline SVG plots) of a run folder or output prefix.",
        discussion: """
            Finds gwasflow outputs by name under --run (a prefix Q whose files are Q.*, or else a \
            folder, searched recursively): *.pheno.tsv with their .lambda.tsv, .diagnostics.tsv and .log \
            (normalize), *.assoc.txt (assoc), *.loci.tsv (loci) and *.compare.tsv (compare). Sections \
            whose inputs are missing say so, so partial runs can be reported. The log is written \
            beside the page (report.html → report.log).
            """)

    @OptionGroup var options: RunOptions

    @Option(name: .customLong("run"),
            help: ArgumentHelp("A run folder, or an output prefix Q whose files are Q.*.", valueName: "DIR_OR_PREFIX"))
    var runPath: String

    @Option(help: ArgumentHelp("The HTML file to write (.html is added when missing).", valueName: "FILE"))
    var out: String = "report.html"

    func run() throws {
        let html = out.hasSuffix(".html") ? out : out + ".html"
        let prefix = String(html.dropLast(".html".count))
        try CommandRun.execute(settings: options.settings, out: prefix) { context, _ in
            let summary = try report(run: runPath, html: html, context: context)
            print("wrote \(html): \(summary.plots) plots from \(summary.normalizations) normalizations and \(summary.associations) association tables")
        }
    }
}
