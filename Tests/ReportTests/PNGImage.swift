import CZlib
import Foundation

/// A decoded 8-bit RGB or RGBA PNG (what Chromium's `--screenshot` writes), enough to count
/// non-background pixels in a region of a rendered page.
struct PNGImage {
    let width: Int
    let height: Int
    /// Channels per pixel: 3 (RGB) or 4 (RGBA).
    let channels: Int
    /// Row-major samples, `channels` bytes per pixel, no filter bytes.
    let pixels: [UInt8]

    struct DecodeError: Error, CustomStringConvertible {
        let description: String
    }

    init(path: String) throws {
        let data = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        guard data.count > 8, data[0..<8].elementsEqual([137, 80, 78, 71, 13, 10, 26, 10]) else {
            throw DecodeError(description: "\(path): not a PNG")
        }
        func uint32(_ at: Int) -> Int { Int(data[at]) << 24 | Int(data[at + 1]) << 16 | Int(data[at + 2]) << 8 | Int(data[at + 3]) }
        var offset = 8
        var width = 0, height = 0, channels = 0
        var compressed: [UInt8] = []
        while offset + 8 <= data.count {
            let length = uint32(offset)
            let type = String(decoding: data[(offset + 4)..<(offset + 8)], as: UTF8.self)
            let body = (offset + 8)..<(offset + 8 + length)
            switch type {
            case "IHDR":
                width = uint32(body.lowerBound); height = uint32(body.lowerBound + 4)
                let depth = data[body.lowerBound + 8], color = data[body.lowerBound + 9], interlace = data[body.lowerBound + 12]
                guard depth == 8, color == 2 || color == 6, interlace == 0 else {
                    throw DecodeError(description: "\(path): only 8-bit RGB/RGBA non-interlaced PNGs are supported (depth \(depth), colour type \(color))")
                }
                channels = color == 2 ? 3 : 4
            case "IDAT":
                compressed += data[body]
            default:
                break
            }
            offset = body.upperBound + 4 // CRC
        }
        let stride = width * channels
        var raw = [UInt8](repeating: 0, count: (stride + 1) * height)
        var rawLength = uLongf(raw.count)
        let status = raw.withUnsafeMutableBufferPointer { out in
            compressed.withUnsafeBufferPointer { input in
                uncompress(out.baseAddress, &rawLength, input.baseAddress, uLong(input.count))
            }
        }
        guard status == Z_OK, Int(rawLength) == raw.count else {
            throw DecodeError(description: "\(path): zlib status \(status), \(rawLength) of \(raw.count) bytes")
        }
        // Undo the per-row filters (PNG specification, section 9).
        var pixels = [UInt8](repeating: 0, count: stride * height)
        for y in 0..<height {
            let filter = raw[y * (stride + 1)]
            for x in 0..<stride {
                let value = Int(raw[y * (stride + 1) + 1 + x])
                let a = x >= channels ? Int(pixels[y * stride + x - channels]) : 0
                let b = y > 0 ? Int(pixels[(y - 1) * stride + x]) : 0
                let c = x >= channels && y > 0 ? Int(pixels[(y - 1) * stride + x - channels]) : 0
                let predicted: Int
                switch filter {
                case 0: predicted = 0
                case 1: predicted = a
                case 2: predicted = b
                case 3: predicted = (a + b) / 2
                case 4:
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    predicted = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: throw DecodeError(description: "\(path): unknown filter \(filter) in row \(y)")
                }
                pixels[y * stride + x] = UInt8((value + predicted) & 0xFF)
            }
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// Pixels in the rectangle (clamped to the image) whose colour is saturated (max − min channel
    /// above `threshold`): data marks, since the report draws axes and text in greys only.
    func saturatedPixels(x: Int, y: Int, width w: Int, height h: Int, threshold: Int = 40) -> Int {
        var count = 0
        for row in max(0, y)..<min(height, y + h) {
            for column in max(0, x)..<min(width, x + w) {
                let i = (row * width + column) * channels
                let r = Int(pixels[i]), g = Int(pixels[i + 1]), b = Int(pixels[i + 2])
                if max(r, g, b) - min(r, g, b) > threshold { count += 1 }
            }
        }
        return count
    }

    /// Pixels in the rectangle that are not (near) white.
    func inkedPixels(x: Int, y: Int, width w: Int, height h: Int) -> Int {
        var count = 0
        for row in max(0, y)..<min(height, y + h) {
            for column in max(0, x)..<min(width, x + w) {
                let i = (row * width + column) * channels
                if Int(pixels[i]) + Int(pixels[i + 1]) + Int(pixels[i + 2]) < 720 { count += 1 }
            }
        }
        return count
    }
}
