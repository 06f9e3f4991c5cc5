import Foundation
import Formats

/// A fresh folder under the system temporary directory, removed by `remove()`.
struct TemporaryFolder {
    let path: String

    init(_ label: String) throws {
        path = NSTemporaryDirectory() + "gwasflow-\(label)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` inside the folder and returns its path.
    @discardableResult
    func write(_ text: String, _ name: String) throws -> String {
        let p = path + "/" + name
        try AtomicFile.write(text, to: p)
        return p
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// `n` individuals in families of two: FID `F0 F0 F1 F1 …`, IID `I0 I1 I2 …`.
func sampleFam(_ n: Int) -> [FamRecord] {
    (0..<n).map { FamRecord(fid: "F\($0 / 2)", iid: "I\($0)") }
}

/// Asserts equality treating NaN as equal to NaN.
func sameValues(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { ($0.isNaN && $1.isNaN) || $0 == $1 }
}
