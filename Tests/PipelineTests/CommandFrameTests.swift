import Formats
import Foundation
import GWASFlow
import Numerics
import XCTest

/// The behaviour every command shares: one-line errors with exit status 2, `gwasflow.toml`
/// defaults, and the `PREFIX.log` written on success and on failure.
final class CommandFrameTests: XCTestCase {
    /// Writes an empty but well-formed PLINK fileset `prefix.{bed,bim,fam}` (2 people, 1 SNP).
    private func writeTinyFileset(_ prefix: String) throws {
        try AtomicFile.write([0x6c, 0x1b, 0x01, 0b0000_1011], to: prefix + ".bed")
        try AtomicFile.write("1 rs1 0 100 A G\n", to: prefix + ".bim")
        try AtomicFile.write("f1 i1 0 0 1 -9\nf2 i2 0 0 2 -9\n", to: prefix + ".fam")
    }

    private func assertOneLineError(_ result: GWASFlowProcess.Result, containing fragment: String,
                                    file: StaticString = #filePath, line: UInt = #line)
    {
        XCTAssertEqual(result.status, 2, "exit status", file: file, line: line)
        let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 2, "exactly one line then the final newline: \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("gwasflow: error: "), result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.contains(fragment), "'\(fragment)' not in: \(result.stderr)", file: file, line: line)
        XCTAssertEqual(result.stdout, "", file: file, line: line)
    }

    func testUsageMistakesAreOneLineWithStatus2() throws {
        let dir = try temporaryFolder(self)
        assertOneLineError(try GWASFlowProcess.run(["no-such-verb"], in: dir), containing: "no-such-verb")
        assertOneLineError(try GWASFlowProcess.run(["init"], in: dir), containing: "--bfile")
        assertOneLineError(try GWASFlowProcess.run(["init", "--bfile"], in: dir), containing: "--bfile")
    }

    /// Where OpenBLAS falls back to generic kernels on an AVX2/AVX-512 CPU, the executable restarts
    /// itself on the tuned ones; its log names the kernel that ran.
    func testTheExecutableRunsOnTheTunedBLASKernel() throws {
        let dir = try temporaryFolder(self)
        let prefix = dir.appendingPathComponent("tiny").path
        try writeTinyFileset(prefix)
        _ = try GWASFlowProcess.run(["grm", "--bfile", prefix, "--out", dir.appendingPathComponent("g").path, "--quiet"], in: dir,
                                    ownBLASKernel: true)
        let log = try String(contentsOfFile: dir.appendingPathComponent("g.log").path, encoding: .utf8)
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = nil
        let expected = BLASCoreType.preferred(environment: environment) ?? BLASCoreType.loaded
        XCTAssertTrue(log.contains("BLAS kernel: \(expected)\n"), log)
    }

    func testMissingInputFileIsOneLineNamingTheFile() throws {
        let dir = try temporaryFolder(self)
        assertOneLineError(try GWASFlowProcess.run(["init", "--bfile", "absent/data"], in: dir),
                           containing: "absent/data.bed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("gwasflow.toml").path))
    }

    func testHelpAndVersionExitZero() throws {
        let dir = try temporaryFolder(self)
        let version = try GWASFlowProcess.run(["--version"], in: dir)
        XCTAssertEqual(version.status, 0)
        XCTAssertEqual(version.stdout, GWASFlowVersion.string + "\n")
        let help = try GWASFlowProcess.run(["init", "--help"], in: dir)
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("--bfile"))
    }

    func testInitWritesAProjectFileThatLoadsBack() throws {
        let dir = try temporaryFolder(self)
        try writeTinyFileset(dir.appendingPathComponent("geno").path)
        try AtomicFile.write("FID IID age\n", to: dir.appendingPathComponent("cov.tsv").path)
        let result = try GWASFlowProcess.run(["init", "--bfile", "geno", "--covar", "cov.tsv",
                                              "--grm", "later.cXX.txt", "--out", "res/run1"], in: dir)
        XCTAssertEqual(result.status, 0, result.stderr)
        let defaults = try ProjectDefaults.load(directory: dir.path)
        XCTAssertEqual(defaults.values, [.bfile: "geno", .covar: "cov.tsv", .grm: "later.cXX.txt", .out: "res/run1"])

        // A second init does not silently replace the file; --force does.
        assertOneLineError(try GWASFlowProcess.run(["init", "--bfile", "geno"], in: dir), containing: "--force")
        XCTAssertEqual(try GWASFlowProcess.run(["init", "--bfile", "geno", "--force"], in: dir).status, 0)
        XCTAssertEqual(try ProjectDefaults.load(directory: dir.path).values, [.bfile: "geno"])
    }

    func testProjectDefaultsFillMissingFlagsAndFlagsWin() throws {
        let dir = try temporaryFolder(self)
        // The log is written beside the prefix, so the prefix must point into the temporary folder.
        let out = dir.appendingPathComponent("res/run1").path
        try AtomicFile.write("# project\nbfile = \"data/geno\"  # genotypes\nout = '\(out)'\n\ncovar=\"c.tsv\"\n",
                             to: dir.appendingPathComponent("gwasflow.toml").path)
        let (prefix, bfile, covar, pcs) = try CommandRun.execute(settings: RunSettings(quiet: true), out: nil,
                                                                 directory: dir.path, commandLine: ["gwasflow", "x"])
        { context, prefix in
            (prefix, try context.requiredPath(nil, or: .bfile), context.path("explicit.tsv", or: .covar),
             context.path(nil, or: .pcs))
        }
        XCTAssertEqual(prefix, out)
        XCTAssertEqual(bfile, "data/geno")
        XCTAssertEqual(covar, "explicit.tsv")
        XCTAssertNil(pcs)

        XCTAssertThrowsError(try CommandRun.execute(settings: RunSettings(quiet: true), directory: dir.path) { context in
            try context.requiredPath(nil, or: .grm)
        }) { error in
            XCTAssertEqual(oneLineMessage(error),
                           "no relatedness matrix file given: pass --grm FILE or add grm = \"FILE\" to gwasflow.toml (gwasflow init writes it)")
        }
    }

    func testBadProjectFileLinesAreErrorsNamingTheLine() throws {
        let cases: [(String, String)] = [
            ("bfile = \"a\"\nbfiles = \"b\"\n", "gwasflow.toml:2: unknown key 'bfiles'"),
            ("bfile = a/b\n", "gwasflow.toml:1: expected a quoted string"),
            ("bfile = \"a\nout = \"b\"\n", "gwasflow.toml:1: string not closed"),
            ("bfile = \"a\"\nbfile = \"b\"\n", "gwasflow.toml:2: key 'bfile' already set on line 1"),
            ("[paths]\n", "gwasflow.toml:1: tables"),
            ("# ok\nbfile \"a\"\n", "gwasflow.toml:2: expected key = value"),
            ("out = 3\n", "gwasflow.toml:1: out must be a non-empty quoted path"),
            ("out = \"x\" extra\n", "gwasflow.toml:1: unexpected text after the value"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try ProjectDefaults.parse(text, path: "gwasflow.toml"), text) { error in
                XCTAssertTrue(oneLineMessage(error).hasPrefix(expected), "\(oneLineMessage(error)) vs \(expected)")
            }
        }
        XCTAssertEqual(try ProjectDefaults.parse("out = \"a \\\"q\\\" \\\\ b\" # c\r\n", path: "p").values,
                       [.out: "a \"q\" \\ b"])
    }

    func testWrittenProjectFileParsesBackToTheSameValues() throws {
        let values: [ProjectDefaults.Key: String] = [.bfile: "d/ge\"no", .pcs: "p\\q.eigenvec", .out: "r #1"]
        XCTAssertEqual(try ProjectDefaults.parse(ProjectDefaults(values: values).text, path: "p").values, values)
    }

    func testLogIsWrittenWithFiguresOnSuccess() throws {
        let dir = try temporaryFolder(self)
        let prefix = dir.appendingPathComponent("nested/run").path
        try CommandRun.execute(settings: RunSettings(threads: 1, seed: 42, quiet: true), out: prefix,
                               directory: dir.path, commandLine: ["gwasflow", "demo", "--out", prefix, "--note", "a b"])
        { context, prefix in
            context.input("pheno", "traits.tsv")
            context.step("count", total: 10, unit: "SNPs") { progress in progress.advance(by: 10) }
            context.figure("individuals", 600)
            try context.write("hello\n", to: prefix + ".txt")
        }
        let log = try String(contentsOfFile: prefix + ".log", encoding: .utf8)
        let lines = Set(log.split(separator: "\n").map(String.init))
        for expected in ["# gwasflow run log", "command: gwasflow demo --out \(prefix) --note 'a b'",
                         "version: \(GWASFlowVersion.string)", "status: completed", "seed: 42", "BLAS threads: 1",
                         "out: \(prefix)", "pheno: traits.tsv", "individuals: 600", "output: \(prefix).txt"] {
            XCTAssertTrue(lines.contains(expected), "missing '\(expected)' in:\n\(log)")
        }
        XCTAssertTrue(lines.contains { $0.hasPrefix("count: ") }, log)
        XCTAssertEqual(try String(contentsOfFile: prefix + ".txt", encoding: .utf8), "hello\n")
    }

    func testAnInputResolvedAndNamedAgainIsLoggedOnce() {
        let context = RunContext(defaults: ProjectDefaults(values: [.grm: "k.cXX.txt"]))
        _ = context.path("c.tsv", or: .covar)
        context.input("covar", "c.tsv")
        _ = context.path(nil, or: .grm)
        context.input("grm", "k.cXX.txt")
        context.input("covar", "other.tsv")
        XCTAssertEqual(context.record.inputs, [.init("covar", "c.tsv"), .init("grm", "k.cXX.txt (from gwasflow.toml)"),
                                               .init("covar", "other.tsv")])
    }

    func testLogRecordsTheErrorWhenTheRunFails() throws {
        let dir = try temporaryFolder(self)
        let prefix = dir.appendingPathComponent("run").path
        XCTAssertThrowsError(try CommandRun.execute(settings: RunSettings(quiet: true), out: prefix,
                                                    directory: dir.path) { context, _ in
            context.figure("individuals", 3)
            throw FormatError(path: "x.fam", line: 7, "expected 6 columns, found 5")
        })
        let log = try String(contentsOfFile: prefix + ".log", encoding: .utf8)
        XCTAssertTrue(log.contains("\nstatus: failed\n"), log)
        XCTAssertTrue(log.contains("\nerror: x.fam:7: expected 6 columns, found 5\n"), log)
        XCTAssertTrue(log.contains("\nindividuals: 3\n"), log)
    }
}
