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
        let payload = path.hasSuffix(".gz") ? try Gzip.compress(bytes, path: path) : bytes
        try writePlain(to: path) { sink in try payload.withUnsafeBytes { try sink.append($0) } }
    }

    /// Writes `text` (UTF-8) to `path` atomically.
    public static func write(_ text: String, to path: String) throws {
        try write(Array(text.utf8), to: path)
    }

    /// Writes `path` atomically from `body`, which hands the file's bytes to the sink piece by piece,
    /// so that a large file (an n × n text matrix) is never held whole in memory. If `body` throws,
    /// nothing is left behind. A `.gz` name is gzip-compressed (then the bytes are collected first).
    public static func write(to path: String, _ body: (AtomicFileSink) throws -> Void) throws {
        if path.hasSuffix(".gz") {
            let collector = AtomicFileSink(collectingFor: path)
            try body(collector)
            return try write(collector.collected, to: path)
        }
        try writePlain(to: path, body)
    }

    /// The temporary file, the sink on it, and the rename, without compression.
    static func writePlain(to path: String, _ body: (AtomicFileSink) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw FormatError(path: path, "output folder \(folder) does not exist")
        }
        let temp = folder + "/." + url.lastPathComponent + ".tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o666)
        guard fd >= 0 else { throw FormatError(path: path, "cannot write (permission denied or disk full?)") }
        do {
            try body(AtomicFileSink(descriptor: fd, path: path))
            guard close(fd) == 0 else { throw FormatError(path: path, "cannot write: \(String(cString: strerror(errno)))") }
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        if rename(temp, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            throw FormatError(path: path, "cannot move the finished file into place: \(reason)")
        }
    }
}

/// Where `AtomicFile.write(to:_:)` sends a file's bytes: the temporary file (or, for a `.gz`
/// name, memory until compression).
public final class AtomicFileSink {
    private let descriptor: Int32
    private let path: String
    fileprivate var collected: [UInt8] = []

    fileprivate init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    fileprivate init(collectingFor path: String) {
        self.descriptor = -1
        self.path = path
    }

    /// Appends `bytes` to the file.
    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard descriptor >= 0 else { return collected.append(contentsOf: bytes) }
        var done = 0
        while done < bytes.count {
            let n = write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw FormatError(path: path, "cannot write: \(String(cString: strerror(errno)))") }
            done += n
        }
    }
}
