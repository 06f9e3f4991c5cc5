import Formats
import Foundation

/// `gwasflow init`: writes `gwasflow.toml` in `directory` so that later commands need fewer flags.
///
/// `bfile` must name an existing PLINK fileset (`.bed`, `.bim`, `.fam`) and `covar`/`pcs` existing
/// files, so that a typo is caught now rather than by every later command; `grm` may name a file
/// that `gwasflow grm` will write later. An existing project
/// file is replaced only when `replace` is true. Returns the path written.
@discardableResult
public func initProject(bfile: String, covar: String? = nil, pcs: String? = nil, grm: String? = nil,
                        out: String? = nil, replace: Bool = false, directory: String = ".") throws -> String
{
    for suffix in [".bed", ".bim", ".fam"] where !fileExists(bfile + suffix) && !fileExists(bfile + suffix + ".gz") {
        throw FormatError(path: bfile + suffix, "file not found (--bfile takes the prefix of a PLINK .bed/.bim/.fam fileset)")
    }
    for (flag, path) in [("--covar", covar), ("--pcs", pcs)] {
        if let path, !fileExists(path) { throw FormatError(path: path, "file not found (given with \(flag))") }
    }
    let target = directory == "." ? ProjectDefaults.fileName : directory + "/" + ProjectDefaults.fileName
    if fileExists(target) && !replace {
        throw UsageError("\(target) exists already; pass --force to replace it")
    }
    var values: [ProjectDefaults.Key: String] = [.bfile: bfile]
    values[.covar] = covar
    values[.pcs] = pcs
    values[.grm] = grm
    values[.out] = out
    try AtomicFile.write(ProjectDefaults(values: values).text, to: target)
    return target
}
