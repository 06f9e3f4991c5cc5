import Foundation
import Numerics
import XCTest

/// Runs the built `gwasflow` executable, as a user would, and captures what it prints.
struct GWASFlowProcess {
    /// Exit status, standard output and standard error of one run.
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The executable built beside the test bundle (`swift build --build-tests` builds both).
    static var executable: URL {
        get throws {
            let folder = Bundle.main.bundleURL
            let candidates = [folder.appendingPathComponent("gwasflow"),
                              folder.deletingLastPathComponent().appendingPathComponent("gwasflow")]
            guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
                XCTFail("gwasflow executable not found beside the tests in \(folder.path); run swift build --build-tests")
                throw CocoaError(.fileNoSuchFile)
            }
            return found
        }
    }

    /// Runs `gwasflow arguments…` in `directory` and waits for it.
    ///
    /// The executable gets the OpenBLAS kernel this test process loaded (`OPENBLAS_CORETYPE`), so
    /// what a test recomputes in-process compares bit for bit with what the binary wrote; with
    /// `ownBLASKernel` the variable is removed and the binary picks its kernel as for a user.
    static func run(_ arguments: [String], in directory: URL, ownBLASKernel: Bool = false) throws -> Result {
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = ownBLASKernel ? nil : BLASCoreType.loaded
        return try run(program: try executable, arguments, in: directory, environment: environment)
    }

    /// Runs a reference tool (`gemma`, `plink2`, … from /usr/bin) in `directory` and waits for it.
    static func runTool(_ name: String, _ arguments: [String], in directory: URL) throws -> Result {
        try run(program: URL(fileURLWithPath: "/usr/bin/" + name), arguments, in: directory)
    }

    /// Runs `program arguments…` in `directory` and waits for it.
    static func run(program: URL, _ arguments: [String], in directory: URL,
                    environment: [String: String]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = program
        if let environment { process.environment = environment }
        process.arguments = arguments
        process.currentDirectoryURL = directory
        // Files rather than pipes: nothing can block on a full pipe, and no reader threads are needed.
        let capture = FileManager.default.temporaryDirectory.appendingPathComponent("gwasflow-run-\(UUID().uuidString)")
        let outURL = capture.appendingPathExtension("out"), errURL = capture.appendingPathExtension("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        try process.run()
        process.waitUntilExit()
        try out.close()
        try err.close()
        let outData = try Data(contentsOf: outURL), errData = try Data(contentsOf: errURL)
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

/// A fresh empty folder under the system temporary folder, removed by the test's teardown.
func temporaryFolder(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("gwasflow-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
