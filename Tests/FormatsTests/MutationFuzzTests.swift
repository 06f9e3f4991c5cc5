import XCTest
import Formats
import Numerics

/// Mutates valid files thousands of times (truncation, bit flips, random bytes, insertions,
/// deletions; plain and gzip) and checks each read either succeeds or throws a one-line
/// `FormatError` — never traps, never throws anything else.
final class MutationFuzzTests: XCTestCase {
    var folder: TemporaryFolder!
    override func setUpWithError() throws { folder = try TemporaryFolder("fuzz") }
    override func tearDown() { folder.remove() }

    /// One random damage to `bytes`.
    func mutate(_ bytes: [UInt8], _ g: inout SeededGenerator) -> [UInt8] {
        var b = bytes
        func position() -> Int { b.isEmpty ? 0 : Int(g.next() % UInt64(b.count)) }
        switch g.next() % 6 {
        case 0: b = Array(b.prefix(position()))
        case 1: for _ in 0...(g.next() % 3) where !b.isEmpty { b[position()] ^= 1 << UInt8(g.next() % 8) }
        case 2: for _ in 0...(g.next() % 4) where !b.isEmpty { b[position()] = UInt8(truncatingIfNeeded: g.next()) }
        case 3: let at = position(); b.insert(contentsOf: (0...(g.next() % 8)).map { _ in UInt8(truncatingIfNeeded: g.next()) }, at: at)
        case 4: let at = position(); b.removeSubrange(at..<min(b.count, at + 1 + Int(g.next() % 16)))
        default:
            // Structural characters in text formats: whitespace, newlines, signs, '#'.
            let specials: [UInt8] = Array(" \t\n\r#-.:9N".utf8)
            for _ in 0...(g.next() % 3) where !b.isEmpty { b[position()] = specials[Int(g.next() % UInt64(specials.count))] }
        }
        return b
    }

    /// Runs `read` on `mutations` damaged copies of `original` saved as `name`; returns (successes, errors).
    func fuzz(_ name: String, _ original: [UInt8], mutations: Int, seed: UInt64, gzip: Bool = false,
              read: (String) throws -> Void) throws -> (Int, Int) {
        var g = SeededGenerator(seed: seed)
        let path = folder.path + "/" + name
        let source = gzip ? try Gzip.compress(original, path: name) : original
        var ok = 0, failed = 0
        let check = folder.path + "/check-" + name
        XCTAssert(FileManager.default.createFile(atPath: check, contents: Data(source)))
        try read(check)  // the undamaged file reads
        for k in 0..<mutations {
            let damaged = mutate(source, &g)
            XCTAssert(FileManager.default.createFile(atPath: path, contents: Data(damaged)))
            do { try read(path); ok += 1 } catch let e as FormatError {
                failed += 1
                XCTAssertFalse(e.description.contains("\n"), "\(name) mutation \(k): multi-line message \(e)")
                XCTAssert(e.description.hasPrefix(path), "\(name) mutation \(k): message does not name the file: \(e)")
            } catch {
                XCTFail("\(name) mutation \(k): unexpected error type \(type(of: error)): \(error)")
            }
        }
        return (ok, failed)
    }

    func testMutatedFilesReadOrFailCleanly() throws {
        var g = SeededGenerator(seed: 2024)
        let n = 9, m = 12
        let fam = sampleFam(n)
        let famText = PlinkFam.text(fam)
        let bim = (0..<m).map { BimRecord(chromosome: "\(1 + $0 / 6)", id: "rs\($0)", position: 100 * ($0 + 1), allele1: "A", allele2: "G") }
        let genotypes: [[Int8]] = (0..<m).map { _ in (0..<n).map { _ in Int8(Int(g.next() % 4)) - 1 } }
        let bed = PlinkBedWriter.encode(snpMajor: genotypes, individuals: n)
        let pheno = "FID IID TSH FT4\n" + fam.map { "\($0.fid) \($0.iid) \(g.uniform()) \(g.normal())" }.joined(separator: "\n") + "\n"
        let gemmaPheno = fam.map { _ in "\(g.normal()) NA" }.joined(separator: "\n") + "\n"
        let covar = "FID IID age batch\n" + fam.map { "\($0.fid) \($0.iid) \(20 + g.next() % 40) b\(g.next() % 3)" }.joined(separator: "\n") + "\n"
        let eigenvec = "#FID IID PC1 PC2\n" + fam.map { "\($0.fid) \($0.iid) \(g.normal()) \(g.normal())" }.joined(separator: "\n") + "\n"
        let evec = "#eigvals: 3.1 1.2\n" + fam.map { "\($0.fid):\($0.iid) \(g.normal()) \(g.normal()) Case" }.joined(separator: "\n") + "\n"
        let famPath = try folder.write(famText, "base.fam")

        let readBed: (String) throws -> Void = { path in
            let b = try PlinkBed(path: path, individuals: n, snps: m)
            var col = [Float](repeating: 0, count: n * m)
            col.withUnsafeMutableBufferPointer { b.decodeBlock(snps: 0..<m, into: $0.baseAddress!, leadingDimension: n) }
            XCTAssert(col.allSatisfy { $0.isNaN || $0 == 0 || $0 == 1 || $0 == 2 })
        }
        let baseFam = try PlinkFam.read(path: famPath)
        var results: [String: (Int, Int)] = [:]
        results["bed"] = try fuzz("x.bed", bed, mutations: 600, seed: 1, read: readBed)
        results["bed.gz"] = try fuzz("x.bed.gz", bed, mutations: 300, seed: 2, gzip: true, read: readBed)
        results["bim"] = try fuzz("x.bim", Array(PlinkBim.text(bim).utf8), mutations: 500, seed: 3) { _ = try PlinkBim.read(path: $0) }
        results["fam"] = try fuzz("x.fam", Array(famText.utf8), mutations: 500, seed: 4) { _ = try PlinkFam.read(path: $0) }
        results["pheno"] = try fuzz("x.tsv", Array(pheno.utf8), mutations: 500, seed: 5) {
            _ = try PhenotypeTable.read(path: $0, fam: baseFam, columns: .names(["FT4", "TSH"]))
        }
        results["gemma pheno"] = try fuzz("x.txt", Array(gemmaPheno.utf8), mutations: 300, seed: 6) { _ = try PhenotypeTable.read(path: $0, fam: baseFam) }
        results["covar"] = try fuzz("c.tsv", Array(covar.utf8), mutations: 400, seed: 7) { _ = try CovariateTable.read(path: $0, fam: baseFam) }
        results["eigenvec"] = try fuzz("x.eigenvec", Array(eigenvec.utf8), mutations: 400, seed: 8) {
            _ = try Eigenvectors.read(path: $0).aligned(to: baseFam)
        }
        results["eigenvec.gz"] = try fuzz("x.eigenvec.gz", Array(eigenvec.utf8), mutations: 200, seed: 9, gzip: true) {
            _ = try Eigenvectors.read(path: $0).aligned(to: baseFam)
        }
        results["evec"] = try fuzz("x.evec", Array(evec.utf8), mutations: 300, seed: 10) {
            _ = try Eigenvectors.read(path: $0).aligned(to: baseFam)
        }
        // Every reader saw both outcomes, so the mutations exercised the error paths and the happy path.
        for (kind, (ok, failed)) in results.sorted(by: { $0.key < $1.key }) {
            XCTAssert(ok > 0 && failed > 0, "\(kind): \(ok) read, \(failed) rejected")
        }
    }
}
