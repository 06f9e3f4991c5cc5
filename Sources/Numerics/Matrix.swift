/// A dense column-major matrix of `Float` or `Double`.
///
/// Element (i, j) lives at `storage[i + j * rows]`, the layout BLAS and LAPACK expect,
/// so `withUnsafeBufferPointer` hands the storage straight to them with leading
/// dimension `rows`.
public struct Matrix<Scalar: LinearAlgebraScalar>: Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// Column-major elements, `rows * columns` of them.
    public var storage: [Scalar]

    /// A matrix with every entry equal to `value`.
    public init(rows: Int, columns: Int, repeating value: Scalar = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.storage = [Scalar](repeating: value, count: rows * columns)
    }

    /// A matrix over existing column-major storage.
    public init(rows: Int, columns: Int, storage: [Scalar]) {
        precondition(storage.count == rows * columns, "storage has \(storage.count) elements, expected \(rows * columns)")
        self.rows = rows
        self.columns = columns
        self.storage = storage
    }

    /// A matrix from row arrays (convenient in tests and small tables).
    public init(rowArrays: [[Scalar]]) {
        let r = rowArrays.count
        let c = rowArrays.first?.count ?? 0
        var m = Matrix(rows: r, columns: c)
        for i in 0..<r {
            precondition(rowArrays[i].count == c, "ragged rows")
            for j in 0..<c { m[i, j] = rowArrays[i][j] }
        }
        self = m
    }

    /// The n × n identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    /// Element (i, j).
    @inlinable
    public subscript(i: Int, j: Int) -> Scalar {
        get { storage[i + j * rows] }
        set { storage[i + j * rows] = newValue }
    }

    /// Column `j` as an array.
    public func column(_ j: Int) -> [Scalar] {
        Array(storage[(j * rows)..<((j + 1) * rows)])
    }

    /// Row `i` as an array.
    public func row(_ i: Int) -> [Scalar] {
        (0..<columns).map { self[i, $0] }
    }

    /// The transpose.
    public var transposed: Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for j in 0..<columns { for i in 0..<rows { t[j, i] = self[i, j] } }
        return t
    }

    /// The rows listed, in that order.
    public func selectingRows(_ indices: [Int]) -> Matrix {
        var m = Matrix(rows: indices.count, columns: columns)
        for j in 0..<columns {
            for (k, i) in indices.enumerated() { m[k, j] = self[i, j] }
        }
        return m
    }

    /// The columns listed, in that order.
    public func selectingColumns(_ indices: [Int]) -> Matrix {
        var m = Matrix(rows: rows, columns: indices.count)
        for (k, j) in indices.enumerated() {
            for i in 0..<rows { m[i, k] = self[i, j] }
        }
        return m
    }
}

extension Matrix where Scalar == Double {
    /// Converts a Float matrix to Double.
    public init(_ other: Matrix<Float>) {
        self.init(rows: other.rows, columns: other.columns, storage: other.storage.map(Double.init))
    }
}

extension Matrix where Scalar == Float {
    /// Converts a Double matrix to Float (rounding to nearest).
    public init(_ other: Matrix<Double>) {
        self.init(rows: other.rows, columns: other.columns, storage: other.storage.map(Float.init))
    }
}
