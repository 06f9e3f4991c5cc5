// Float kernels of the flow layers' hot loops, vectorised for AVX-512 and AVX2 + FMA and chosen at
// run time (the rest of the binary stays baseline x86-64). Every instruction set computes the same
// operations in the same order, so all levels give bit-identical results (Tests/FlowsTests/
// FlowKernelTests.swift checks this and the error bounds).
#ifndef CFLOWKERNELS_H
#define CFLOWKERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/// Instruction-set levels: 0 portable C, 1 AVX2 + FMA, 2 AVX-512F.
enum { GWF_PORTABLE = 0, GWF_AVX2 = 1, GWF_AVX512 = 2 };

/// The best level this CPU supports.
int gwf_simd_level(void);

/// What `gwf_dense` does with each product element p = (A B)[i, j] before storing it in c[i + j ldc].
enum {
    /// c = p.
    GWF_DENSE_STORE = 0,
    /// c = p + bias[j].
    GWF_DENSE_BIAS = 1,
    /// a = p + bias[j]; c = a sigmoid(a) (Swish) and derivative[i + j ldc] = sigmoid(a) (1 + a (1 - sigmoid(a))).
    /// For all finite a: c within 4e-7 relative of the exact Swish, the derivative within 3e-7 of
    /// max(1, |exact|); beyond |a| = 87 the limits (a, 1 and 0, 0).
    GWF_DENSE_SWISH = 2,
    /// c = p * derivative[i + j ldc] (back-propagation through Swish).
    GWF_DENSE_TIMES = 3,
};

/// A dense layer's product on a block of rows with a fused epilogue: for i < rows, j < columns,
/// p = sum over k < depth of a[i + k lda] * b[k b_row_stride + j b_column_stride], accumulated by
/// fused multiply-adds in the order k = 0, 1, … from 0 (so every element has the same bits on every
/// level and whatever the block), then stored through `epilogue`. `b` with strides (1, depth) is a
/// column-major depth × columns matrix B; with strides (ld, 1), the transpose of a column-major
/// columns × depth matrix with leading dimension ld. `bias` and
/// `derivative` may be null when the epilogue does not read them. Written for the flow MLPs (a few
/// hundred rows, widths up to a few hundred): A is read in place, no packing. Portable level: slow
/// without hardware FMA.
void gwf_dense(const float *a, long lda, const float *b, long b_row_stride, long b_column_stride, float *c, long ldc,
               long rows, long columns, long depth, const float *bias, float *derivative, int epilogue);

/// `gwf_dense` at a given level (at most `gwf_simd_level()`); for the tests.
void gwf_dense_at(int level, const float *a, long lda, const float *b, long b_row_stride, long b_column_stride,
                  float *c, long ldc, long rows, long columns, long depth, const float *bias, float *derivative,
                  int epilogue);

/// One Adamax step (PyTorch's rule, coupled weight decay) on `count` scalars:
/// g = gradient + decay * theta; m = beta1 m + (1 - beta1) g; u = max(beta2 u, |g| + epsilon);
/// theta -= rate * m / u.
void gwf_adamax(float *theta, const float *gradient, float *m, float *u, long count, float decay, float beta1,
                float beta2, float epsilon, float rate);

#ifdef __cplusplus
}
#endif
#endif
