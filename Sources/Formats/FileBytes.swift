import CZlib
import Foundation

/// The whole contents of a file, memory-mapped when plain and inflated into memory when gzip.
///
/// Reading a path that does not exist, is a folder, or is a truncated gzip stream throws a
/// `FormatError` naming the path.
public final class FileBytes: @unchecked Sendable {
    /// The path as given.
    public let path: String
    /// Start of the bytes; valid for the lifetime of this object.
    public let base: UnsafeRawPointer
    /// Number of bytes.
    public let count: Int
    private let release: () -> Void

    /// Opens `path`; a name ending in `.gz` (or a file starting with the gzip magic) is inflated.
    public init(path: String) throws {
        self.path = path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw FormatError(path: path, "no such file")
        }
        if isDir.boolValue { throw FormatError(path: path, "is a folder, expected a file") }
        let fd = open(path, O_RDONLY)
        if fd < 0 { throw FormatError(path: path, "cannot open: \(String(cString: strerror(errno)))") }
        var st = stat()
        fstat(fd, &st)
        let size = Int(st.st_size)
        var magic: [UInt8] = [0, 0]
        let got = size >= 2 ? pread(fd, &magic, 2, 0) : 0
        if got == 2 && magic == [0x1f, 0x8b] {
            close(fd)
            let data = try FileBytes.inflate(path: path)
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(1, data.count), alignment: 16)
            data.withUnsafeBytes { if $0.count > 0 { buffer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
            base = UnsafeRawPointer(buffer)
            count = data.count
            release = { buffer.deallocate() }
            return
        }
        if size == 0 {
            close(fd)
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 16)
            base = UnsafeRawPointer(buffer)
            count = 0
            release = { buffer.deallocate() }
            return
        }
        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        close(fd)
        guard let mapped, mapped != MAP_FAILED else {
            throw FormatError(path: path, "cannot memory-map: \(String(cString: strerror(errno)))")
        }
        madvise(mapped, size, MADV_SEQUENTIAL)
        base = UnsafeRawPointer(mapped)
        count = size
        release = { munmap(mapped, size) }
    }

    deinit { release() }

    /// The bytes as a buffer.
    public var buffer: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Inflates a gzip file (all members), failing clearly on a stream cut short or corrupt.
    static func inflate(path: String) throws -> [UInt8] {
        guard let gz = gzopen(path, "rb") else { throw FormatError(path: path, "cannot open gzip stream") }
        defer { gzclose(gz) }
        gzbuffer(gz, 1 << 20)
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = chunk.withUnsafeMutableBytes { gzread(gz, $0.baseAddress, UInt32($0.count)) }
            if n < 0 {
                var code: Int32 = 0
                let msg = String(cString: gzerror(gz, &code))
                throw FormatError(path: path, byteOffset: out.count, "corrupt gzip stream (\(msg))")
            }
            if n == 0 { break }
            out.append(contentsOf: chunk[0..<Int(n)])
        }
        // zlib reports a stream cut short as Z_BUF_ERROR at the end rather than as a read error.
        var code: Int32 = 0
        _ = gzerror(gz, &code)
        if code == Z_BUF_ERROR || code == Z_DATA_ERROR {
            throw FormatError(path: path, byteOffset: out.count, "gzip stream cut short (unexpected end of file)")
        }
        return out
    }
}
