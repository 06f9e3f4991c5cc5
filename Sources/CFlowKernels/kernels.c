// See include/CFlowKernels.h. Each kernel is written once, as plain loops over scalars, and compiled
// once per level. Fused multiply-adds appear only where written as fmaf, and contraction of other
// expressions into FMAs is off, so every level computes the same roundings and they agree bit for bit.
#include "CFlowKernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

#pragma clang fp contract(off)

#if defined(__x86_64__)
#define GWF_X86 1
#endif

// e^z for z in [-87, 0] (Cephes expf: z = n ln2 + r with |r| <= ln2 / 2, a degree-7 polynomial in r).
#define GWF_CUT 87.0f
#define GWF_LOG2E 1.44269504088896341f
#define GWF_ROUND 12582912.0f   // 1.5 * 2^23: adding it rounds to an integer kept in the low mantissa bits
#define GWF_LN2_HI 0.693359375f
#define GWF_LN2_LO -2.12194440e-4f
#define GWF_P0 1.9875691500e-4f
#define GWF_P1 1.3981999507e-3f
#define GWF_P2 8.3334519073e-3f
#define GWF_P3 4.1665795894e-2f
#define GWF_P4 1.6666665459e-1f
#define GWF_P5 5.0000001201e-1f

#define GWF_INLINE static inline __attribute__((always_inline))

static inline float bits_to_float(uint32_t b) { float f; memcpy(&f, &b, 4); return f; }
static inline uint32_t float_to_bits(float f) { uint32_t b; memcpy(&b, &f, 4); return b; }

// One element of gwf_swish: a = value + bias.
GWF_INLINE void swish_one(float a, float *value, float *derivative) {
    float z = -fabsf(a);
    z = z > -GWF_CUT ? z : -GWF_CUT;
    float t = fmaf(z, GWF_LOG2E, GWF_ROUND);
    float n = t - GWF_ROUND;
    float r = fmaf(n, -GWF_LN2_HI, z);
    r = fmaf(n, -GWF_LN2_LO, r);
    float p = fmaf(GWF_P0, r, GWF_P1);
    p = fmaf(p, r, GWF_P2);
    p = fmaf(p, r, GWF_P3);
    p = fmaf(p, r, GWF_P4);
    p = fmaf(p, r, GWF_P5);
    float rr = r * r;
    float y = fmaf(p, rr, r);
    y = y + 1.0f;
    float scale = bits_to_float((float_to_bits(t) - 0x4B400000u + 127u) << 23);
    float e = y * scale;                 // e^{-|a|}
    float inv = 1.0f / (1.0f + e);
    float en = e * inv;
    float s = a >= 0.0f ? inv : en;      // sigmoid(a)
    float c = a >= 0.0f ? en : inv;      // 1 - sigmoid(a)
    s = a < -GWF_CUT ? 0.0f : s;         // beyond the clamp: the limits, so that a * s -> 0 and h * c -> 0
    c = a > GWF_CUT ? 0.0f : c;
    float h = a * s;
    *value = h;
    *derivative = fmaf(h, c, s);
}

// Inlined into each level's function, so the compiler vectorises the loops for that level.
GWF_INLINE void swish_portable(float *values, const float *bias, float *derivative, long rows, long columns,
                           long leading) {
    for (long j = 0; j < columns; j++) {
        float *v = values + j * leading, *d = derivative + j * leading;
        const float b = bias[j];
        // Four vectors in flight hide the long dependency chain of one element (about 14 % faster
        // than the default on this machine's AVX-512 in a standalone loop).
        _Pragma("clang loop interleave_count(4)")
        for (long i = 0; i < rows; i++) swish_one(v[i] + b, v + i, d + i);
    }
}

GWF_INLINE void multiply_portable(float *restrict values, const float *restrict factors, long rows, long columns, long leading) {
    for (long j = 0; j < columns; j++) {
        float *v = values + j * leading;
        const float *f = factors + j * leading;
        for (long i = 0; i < rows; i++) v[i] = v[i] * f[i];
    }
}

GWF_INLINE void adamax_portable(float *restrict theta, const float *restrict gradient, float *restrict m,
                            float *restrict u, long count, float decay,
                            float beta1, float beta2, float epsilon, float rate) {
    const float keep = 1.0f - beta1;
    for (long i = 0; i < count; i++) {
        float dt = decay * theta[i];
        float g = gradient[i] + dt;
        float mb = beta1 * m[i];
        float mg = keep * g;
        float mi = mb + mg;
        float ub = beta2 * u[i];
        float ag = fabsf(g) + epsilon;
        float ui = ag >= ub ? ag : ub;
        m[i] = mi;
        u[i] = ui;
        float step = rate * mi;
        theta[i] = theta[i] - step / ui;
    }
}

#ifdef GWF_X86
// The same loops compiled for AVX-512F and for AVX2 + FMA (the compiler vectorises them; fmaf becomes
// one instruction, and since each element's operations are fixed the results do not change).
#define GWF_AT_LEVEL(suffix, features)                                                                              \
    __attribute__((target(features))) static void swish_##suffix(float *values, const float *bias, float *derivative, \
                                                               long rows, long columns, long leading) {          \
        swish_portable(values, bias, derivative, rows, columns, leading);                                         \
    }                                                                                                             \
    __attribute__((target(features))) static void multiply_##suffix(float *values, const float *factors, long rows, \
                                                                  long columns, long leading) {                    \
        multiply_portable(values, factors, rows, columns, leading);                                               \
    }                                                                                                             \
    __attribute__((target(features))) static void adamax_##suffix(float *theta, const float *gradient, float *m,     \
                                                                float *u, long count, float decay, float beta1,   \
                                                                float beta2, float epsilon, float rate) {         \
        adamax_portable(theta, gradient, m, u, count, decay, beta1, beta2, epsilon, rate);                         \
    }
GWF_AT_LEVEL(avx512, "avx512f")
GWF_AT_LEVEL(avx2, "avx2,fma")
#endif

static int detect_level(void) {
#ifdef GWF_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return GWF_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return GWF_AVX2;
#endif
    return GWF_PORTABLE;
}

int gwf_simd_level(void) {
    static int level = -1;   // benign race: every thread computes the same value
    int known = __atomic_load_n(&level, __ATOMIC_RELAXED);
    if (known < 0) {
        known = detect_level();
        __atomic_store_n(&level, known, __ATOMIC_RELAXED);
    }
    return known;
}

void gwf_swish_at(int level, float *values, const float *bias, float *derivative, long rows, long columns,
                  long leading) {
#ifdef GWF_X86
    if (level >= GWF_AVX512) { swish_avx512(values, bias, derivative, rows, columns, leading); return; }
    if (level == GWF_AVX2) { swish_avx2(values, bias, derivative, rows, columns, leading); return; }
#endif
    (void)level;
    swish_portable(values, bias, derivative, rows, columns, leading);
}

void gwf_swish(float *values, const float *bias, float *derivative, long rows, long columns, long leading) {
    gwf_swish_at(gwf_simd_level(), values, bias, derivative, rows, columns, leading);
}

void gwf_multiply(float *values, const float *factors, long rows, long columns, long leading) {
#ifdef GWF_X86
    int level = gwf_simd_level();
    if (level >= GWF_AVX512) { multiply_avx512(values, factors, rows, columns, leading); return; }
    if (level == GWF_AVX2) { multiply_avx2(values, factors, rows, columns, leading); return; }
#endif
    multiply_portable(values, factors, rows, columns, leading);
}

void gwf_adamax(float *theta, const float *gradient, float *m, float *u, long count, float decay, float beta1,
                float beta2, float epsilon, float rate) {
#ifdef GWF_X86
    int level = gwf_simd_level();
    if (level >= GWF_AVX512) { adamax_avx512(theta, gradient, m, u, count, decay, beta1, beta2, epsilon, rate); return; }
    if (level == GWF_AVX2) { adamax_avx2(theta, gradient, m, u, count, decay, beta1, beta2, epsilon, rate); return; }
#endif
    adamax_portable(theta, gradient, m, u, count, decay, beta1, beta2, epsilon, rate);
}
