import Foundation

/// Whether a plain file (not a folder) exists at `path`.
public func fileExists(_ path: String) -> Bool {
    var isDir: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && !isDir.boolValue
}

/// Writes whole files atomically: to a temporary file in the target folder, then renamed into place,
/// so a failed run never leaves half a file behind.
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically; a `.gz` name is gzip-compressed.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw FormatError(path: path, "output folder \(folder) does not exist")
        }
        let temp = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())"
        let payload = path.hasSuffix(".gz") ? try Gzip.compress(bytes, path: path) : bytes
        let ok = payload.withUnsafeBytes { FileManager.default.createFile(atPath: temp, contents: Data($0)) }
        guard ok else { throw FormatError(path: path, "cannot write (permission denied or disk full?)") }
        if rename(temp, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            throw FormatError(path: path, "cannot move the finished file into place: \(reason)")
        }
    }

    /// Writes `text` (UTF-8) to `path` atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }
}
