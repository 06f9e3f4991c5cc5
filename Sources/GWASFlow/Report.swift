import Foundation
import Report

/// What `gwasflow report` put on the page.
public typealias ReportSummary = RunReport.Summary

/// `gwasflow report`: one self-contained HTML page (inline SVG, no scripts) of a run folder or
/// output prefix: traits before/after normalization, QQ plots against N(0, 1), λ per stage and
/// training curves, Manhattan and QQ plots per association arm, and the locus counts. Inputs are
/// found by file name (`RunFiles`); sections whose inputs are missing say so.
@discardableResult
public func report(run: String, html: String, context: RunContext) throws -> ReportSummary {
    context.input("run", run)
    let files = try context.step("find outputs") { try RunFiles(run: run) }
    context.figure("normalizations found", files.normalizations.count)
    context.figure("association tables found", files.associations.count)
    context.figure("locus tables found", files.loci.count)
    context.figure("comparison tables found", files.comparisons.count)
    let stamp = ISO8601DateFormatter().string(from: Date())
    let notes = ["Written by gwasflow \(GWASFlowVersion.string) on \(stamp) from \(run).",
                 "Found \(files.normalizations.count) normalizations, \(files.associations.count) association tables, \(files.loci.count) locus tables and \(files.comparisons.count) comparison tables."]
    let (page, summary) = context.step("draw") { RunReport.build(files, notes: notes) }
    context.figure("plots", summary.plots)
    if !summary.missingSections.isEmpty {
        context.warn("sections without inputs: \(summary.missingSections.joined(separator: ", ")) (the page says what was looked for)")
    }
    try context.write(page, to: html)
    return summary
}
