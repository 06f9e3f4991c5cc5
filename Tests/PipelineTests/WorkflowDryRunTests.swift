import Foundation
import XCTest

/// `snakemake -n` on workflows/Snakefile with the SLURM profile: the DAG for a biobank-shaped
/// config (22 chromosomes, 4 GRM parts, QC on, two trait groups) resolves without running
/// anything, with the expected number of jobs per rule, every job logged under logs/ and every
/// command calling only the configured gwasflow binary.
final class WorkflowDryRunTests: XCTestCase {
    /// The repository root (this file is Tests/PipelineTests/WorkflowDryRunTests.swift).
    private static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private let binary = "/opt/gwasflow/bin/gwasflow"

    /// Runs `snakemake -n -p` with the SLURM profile on `config` in a folder holding empty input
    /// files; returns its output.
    private func dryRun(config: String, snakefile: String? = nil, targets: [String] = []) throws -> String {
        guard let snakemake = Self.executable(named: "snakemake") else {
            throw XCTSkip("snakemake is not installed (make test installs it: apt-get install snakemake); the workflow dry run was skipped")
        }
        let folder = try temporaryFolder(self)
        let data = folder.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        for name in ["sim.bed", "sim.bim", "sim.fam", "a.tsv", "b.tsv", "covariates.tsv"] {
            XCTAssertTrue(FileManager.default.createFile(atPath: data.appendingPathComponent(name).path, contents: Data()))
        }
        let configURL = folder.appendingPathComponent("config.yaml")
        try config.write(to: configURL, atomically: true, encoding: .utf8)
        let workflows = Self.root.appendingPathComponent("workflows")
        var snakefilePath = workflows.appendingPathComponent("Snakefile").path
        if let snakefile {
            snakefilePath = folder.appendingPathComponent("Snakefile").path
            try snakefile.write(toFile: snakefilePath, atomically: true, encoding: .utf8)
        }
        let result = try Self.run(snakemake, ["-s", snakefilePath,
                                              "--profile", workflows.appendingPathComponent("profiles/slurm").path,
                                              "--configfile", configURL.path, "--directory", folder.path,
                                              // A dry run caps threads at --cores (default 1); a real
                                              // SLURM run does not cap them, so mimic that here.
                                              "--cores", "64", "-n", "-p"] + targets)
        XCTAssertEqual(result.status, 0, "snakemake -n failed:\n\(result.output)")
        return result.output
    }

    /// The `Job stats:` table of a dry run as rule → job count.
    private func jobCounts(_ output: String) -> [String: Int] {
        let lines = output.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix("Job stats:") }) else { return [:] }
        var counts: [String: Int] = [:]
        for line in lines[(start + 3)...] {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let count = Int(fields[1]) else { break }
            counts[String(fields[0])] = count
        }
        return counts
    }

    private func config(parts: Int, chromosomes: Int, qc: Bool) -> String {
        """
        gwasflow: \(binary)
        bfile: data/sim
        covar: data/covariates.tsv
        outdir: out
        chromosomes: [\((1...chromosomes).map(String.init).joined(separator: ", "))]
        grm_parts: \(parts)
        qc: {enabled: \(qc), maf: 0.001, hwe: 0.001, indep_pairwise: "500kb 1 0.8"}
        schedules: [baseline, alternating]
        trait_groups:
          hormonal: {pheno: data/a.tsv, columns: [1, 2, 3, 4]}
          lipids: {pheno: data/b.tsv}
        resources:
          default: {threads: 1, mem_mb: 1000, runtime: 30}
          grm_part: {threads: 8, mem_mb: 64000, runtime: 240}
          assoc: {threads: 4, mem_mb: 16000, runtime: 120}

        """
    }

    func testSlurmDryRunResolvesTheBiobankDAG() throws {
        let output = try dryRun(config: config(parts: 4, chromosomes: 22, qc: true))
        let groups = 2, arms = 2, chromosomes = 22
        let expected = [
            "gwasflow_qc": 1,
            "gwasflow_grm_part": 4,
            "gwasflow_grm_merge": 1,
            "gwasflow_eigen": 1,
            "gwasflow_normalize": groups * arms,
            "gwasflow_eigen_analysed": groups * arms,
            "gwasflow_assoc": groups * arms * chromosomes,
            "gwasflow_gather_assoc": groups * arms,
            "gwasflow_loci": groups * arms,
            "gwasflow_compare": groups,
            "gwasflow_report": 1,
            "all": 1,
        ]
        let counts = jobCounts(output)
        XCTAssertEqual(counts.filter { $0.key != "total" }, expected, output)
        XCTAssertEqual(counts["total"], expected.values.reduce(0, +))

        // Every job but `all` names a log under out/logs/.
        let logLines = output.components(separatedBy: "\n").filter { $0.hasPrefix("    log: ") }
        XCTAssertEqual(logLines.count, expected.values.reduce(0, +) - 1)
        XCTAssertTrue(logLines.allSatisfy { $0.hasPrefix("    log: out/logs/") }, logLines.joined(separator: "\n"))

        // Every shell command calls the configured binary and nothing else.
        let commands = output.components(separatedBy: "\n").filter { $0.contains(" > out/logs/") }
        XCTAssertEqual(commands.count, expected.values.reduce(0, +) - 1 - groups * arms) // gather is Python
        for command in commands {
            XCTAssertTrue(command.hasPrefix(binary + " "), command)
            XCTAssertFalse(command.contains("|") || command.contains("&&") || command.contains(";"), command)
        }
        XCTAssertTrue(commands.contains { $0.contains(" grm --") && $0.contains("--part 3/4") && $0.contains("--out out/grm/parts/grm ") })
        XCTAssertTrue(commands.contains { $0.contains(" grm-merge out/grm/parts/grm.part1of4.grmpart out/grm/parts/grm.part2of4.grmpart out/grm/parts/grm.part3of4.grmpart out/grm/parts/grm.part4of4.grmpart ") })
        XCTAssertTrue(commands.contains { $0.contains(" assoc ") && $0.contains("--chr 22 ") && $0.contains("--threads 4 ")
            && $0.contains("--eigen out/lipids/assoc/alternating/analysed ") })
        XCTAssertTrue(commands.contains { $0.contains(" eigen --grm out/grm/grm.cXX.txt --bfile data/sim --pheno out/lipids/alternating.pheno.txt --covar data/covariates.tsv ")
            && $0.contains("--out out/lipids/assoc/alternating/analysed ") })
        XCTAssertTrue(commands.contains { $0.contains(" normalize ") && $0.contains("--columns 1,2,3,4 ") && $0.contains("--schedule alternating") })
        // The SLURM profile passes the per-rule resources on.
        XCTAssertTrue(output.contains("mem_mb=64000"), "grm_part resources missing")
    }

    func testOneShotGRMWithoutQC() throws {
        let counts = jobCounts(try dryRun(config: config(parts: 1, chromosomes: 3, qc: false)))
        XCTAssertEqual(counts["gwasflow_grm"], 1)
        XCTAssertNil(counts["gwasflow_grm_part"])
        XCTAssertNil(counts["gwasflow_grm_merge"])
        XCTAssertNil(counts["gwasflow_qc"])
        XCTAssertEqual(counts["gwasflow_assoc"], 2 * 2 * 3)
        XCTAssertEqual(counts["total"], 1 + 1 + 4 + 4 + 12 + 4 + 4 + 2 + 1 + 1)
    }

    func testCompareCanBeSwitchedOff() throws {
        let counts = jobCounts(try dryRun(config: config(parts: 4, chromosomes: 22, qc: true) + "compare: {enabled: false}\n"))
        XCTAssertNil(counts["gwasflow_compare"])
        XCTAssertEqual(counts["gwasflow_report"], 1)
        XCTAssertEqual(counts["total"], 115 - 2)
    }

    /// The GEMMA example of workflows/README.md, included into a fresh Snakefile as a user would,
    /// resolves: gwasflow's rules build the GRM, its eigendecomposition and the normalized traits
    /// that the user's GEMMA rule asks for.
    func testReadmeGEMMAExampleIncludesTheModule() throws {
        let readme = try String(contentsOf: Self.root.appendingPathComponent("workflows/README.md"), encoding: .utf8)
        let start = try XCTUnwrap(readme.range(of: "```python\n# Snakefile of your project\n"), "the README's example is gone")
        let end = try XCTUnwrap(readme[start.upperBound...].range(of: "```"))
        let module = Self.root.appendingPathComponent("workflows/rules/gwasflow.smk").path
        let example = String(readme[start.upperBound..<end.lowerBound])
            .replacingOccurrences(of: "path/to/gwasflow/workflows/rules/gwasflow.smk", with: module)
        XCTAssertTrue(example.contains("include: \"\(module)\""))
        // The example reads config.yaml from the folder it runs in; the dry run passes the same file.
        let output = try dryRun(config: config(parts: 1, chromosomes: 1, qc: false), snakefile: example,
                                targets: ["output/hormonal.assoc.txt"])
        let counts = jobCounts(output)
        XCTAssertEqual(counts["gwasflow_grm"], 1)
        XCTAssertEqual(counts["gwasflow_eigen"], 1)
        XCTAssertEqual(counts["gwasflow_normalize"], 1)
        XCTAssertEqual(counts["gemma_mvlmm"], 1)
        XCTAssertEqual(counts["total"], 4)
        XCTAssertTrue(output.contains("gemma -bfile data/sim -p out/hormonal/alternating.pheno.txt -k out/grm/grm.cXX.txt -lmm 3 -n 1 2 3 4 -o hormonal"), output)
    }

    // MARK: Processes

    static func executable(named name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs `executable arguments…` with stdout and stderr merged into one captured text.
    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let capture = FileManager.default.temporaryDirectory.appendingPathComponent("gwasflow-proc-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: capture.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: capture) }
        let handle = try FileHandle(forWritingTo: capture)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        return (process.terminationStatus, String(decoding: try Data(contentsOf: capture), as: UTF8.self))
    }
}
