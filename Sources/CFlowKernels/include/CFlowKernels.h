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

/// Bias plus Swish in place, with the derivative kept for backward: for each of `columns` columns
/// (column j starts at offset j * leading) and row i < rows, a = values + bias[j],
/// values = a * sigmoid(a), derivative = sigmoid(a) * (1 + a * (1 - sigmoid(a))).
/// For all finite a: values within 4e-7 relative of the exact Swish, derivative within 3e-7 of
/// max(1, |exact|); beyond |a| = 87 the limits (a, 1 and 0, 0). Portable level: slow without hardware FMA.
void gwf_swish(float *values, const float *bias, float *derivative, long rows, long columns, long leading);

/// `gwf_swish` at a given level (at most `gwf_simd_level()`); for the tests.
void gwf_swish_at(int level, float *values, const float *bias, float *derivative, long rows, long columns,
                  long leading);

/// values *= factors elementwise on a rows × columns block (both with column stride `leading`).
void gwf_multiply(float *values, const float *factors, long rows, long columns, long leading);

/// One Adamax step (PyTorch's rule, coupled weight decay) on `count` scalars:
/// g = gradient + decay * theta; m = beta1 m + (1 - beta1) g; u = max(beta2 u, |g| + epsilon);
/// theta -= rate * m / u.
void gwf_adamax(float *theta, const float *gradient, float *m, float *u, long count, float decay, float beta1,
                float beta2, float epsilon, float rate);

#ifdef __cplusplus
}
#endif
#endif
