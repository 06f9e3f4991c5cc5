// See include/CFlowKernels.h. Each kernel is written once, as plain loops over scalars, and compiled
// once per level. Fused multiply-adds appear only where written as fmaf, and contraction of other
// expressions into FMAs is off, so every level computes the same roundings and they agree bit for bit.
#include "CFlowKernels.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
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

// Swish of a (value = a sigmoid(a)) and its derivative: the GWF_DENSE_SWISH epilogue.
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

// gwf_dense. The tile of `rows_in_tile` rows by `tile_columns` columns is accumulated in `acc`,
// whose indices are all compile-time constants once the tile shape is (the callers pass constants),
// so the compiler keeps it in vector registers: 64 rows by 4 columns are 16 AVX-512 registers.
#define GWF_TILE_ROWS 64
#define GWF_TILE_COLUMNS 8
#define GWF_SHORT_ROWS 16

// acc[jj][ii] = fma(a[ii + k lda], b[k rs + jj cs], acc[jj][ii]) for k = 0, 1, …, depth − 1 in turn.
GWF_INLINE void dense_accumulate(float acc[GWF_TILE_COLUMNS][GWF_TILE_ROWS], const float *a, long lda,
                                 const float *b, long rs, long cs, long depth, const long rb, const long cb) {
    for (long k = 0; k < depth; k++) {
        const float *ak = a + k * lda;
        for (long jj = 0; jj < cb; jj++) {
            const float w = b[k * rs + jj * cs];
            for (long ii = 0; ii < rb; ii++) acc[jj][ii] = fmaf(ak[ii], w, acc[jj][ii]);
        }
    }
}

// Writes the first `r` rows of a tile through the epilogue (see GWF_DENSE_* in the header).
GWF_INLINE void dense_finish(float acc[GWF_TILE_COLUMNS][GWF_TILE_ROWS], float *c, long ldc, const float *bias,
                             float *derivative, int epilogue, long r, long cb) {
    for (long jj = 0; jj < cb; jj++) {
        float *cj = c + jj * ldc;
        if (epilogue == GWF_DENSE_SWISH) {
            float *dj = derivative + jj * ldc;
            const float bj = bias[jj];
            // Four vectors in flight hide the long dependency chain of one element.
            _Pragma("clang loop interleave_count(4)")
            for (long ii = 0; ii < r; ii++) swish_one(acc[jj][ii] + bj, cj + ii, dj + ii);
        } else if (epilogue == GWF_DENSE_TIMES) {
            const float *fj = derivative + jj * ldc;
            for (long ii = 0; ii < r; ii++) cj[ii] = acc[jj][ii] * fj[ii];
        } else if (epilogue == GWF_DENSE_BIAS) {
            const float bj = bias[jj];
            for (long ii = 0; ii < r; ii++) cj[ii] = acc[jj][ii] + bj;
        } else {
            for (long ii = 0; ii < r; ii++) cj[ii] = acc[jj][ii];
        }
    }
}

// One tile of rb rows (the first r written) by cb columns; rb and cb constants.
GWF_INLINE void dense_tile(const float *a, long lda, const float *b, long rs, long cs, float *c, long ldc, long depth,
                           const float *bias, float *derivative, int epilogue, const long rb, long r, const long cb) {
    float acc[GWF_TILE_COLUMNS][GWF_TILE_ROWS];
    for (long jj = 0; jj < cb; jj++)
        for (long ii = 0; ii < rb; ii++) acc[jj][ii] = 0.0f;
    dense_accumulate(acc, a, lda, b, rs, cs, depth, rb, cb);
    if (r == rb) {
        dense_finish(acc, c, ldc, bias, derivative, epilogue, rb, cb);
    } else {   // a copy, so that the variable row count does not pin acc to memory
        float part[GWF_TILE_COLUMNS][GWF_TILE_ROWS];
        for (long jj = 0; jj < cb; jj++)
            for (long ii = 0; ii < rb; ii++) part[jj][ii] = acc[jj][ii];
        dense_finish(part, c, ldc, bias, derivative, epilogue, r, cb);
    }
}

// Every column tile of one block of rows: tiles of `columns_per_tile` columns, the last one narrower
// (its width turned into a constant by the switch).
GWF_INLINE void dense_rows(const float *a, long lda, const float *b, long rs, long cs, float *c, long ldc,
                           long columns, long depth, const float *bias, float *derivative, int epilogue,
                           const long rb, long r, const long columns_per_tile) {
    for (long j0 = 0; j0 < columns; j0 += columns_per_tile) {
        const long cb = columns - j0 < columns_per_tile ? columns - j0 : columns_per_tile;
        const float *bj = b + j0 * cs, *biasj = bias ? bias + j0 : bias;
        float *cj = c + j0 * ldc, *dj = derivative ? derivative + j0 * ldc : derivative;
#define GWF_DENSE_TILE(width) dense_tile(a, lda, bj, rs, cs, cj, ldc, depth, biasj, dj, epilogue, rb, r, width)
        if (cb == columns_per_tile) { GWF_DENSE_TILE(columns_per_tile); continue; }
        switch (cb) {
        case 1: GWF_DENSE_TILE(1); break;
        case 2: GWF_DENSE_TILE(2); break;
        case 3: GWF_DENSE_TILE(3); break;
        case 4: GWF_DENSE_TILE(4); break;
        case 5: GWF_DENSE_TILE(5); break;
        case 6: GWF_DENSE_TILE(6); break;
        default: GWF_DENSE_TILE(7); break;
        }
#undef GWF_DENSE_TILE
    }
}

// Blocks of `rows_per_tile` rows, then of GWF_SHORT_ROWS, then the last few rows from a zero-padded
// copy (so that every tile has a constant height). The padding rows are computed and dropped.
GWF_INLINE void dense_portable(const float *a, long lda, const float *b, long rs, long cs, float *c, long ldc,
                               long rows, long columns, long depth, const float *bias, float *derivative,
                               int epilogue, const long rows_per_tile, const long columns_per_tile) {
    long i0 = 0;
    for (; i0 + rows_per_tile <= rows; i0 += rows_per_tile)
        dense_rows(a + i0, lda, b, rs, cs, c + i0, ldc, columns, depth, bias, derivative ? derivative + i0 : derivative,
                   epilogue, rows_per_tile, rows_per_tile, columns_per_tile);
    for (; i0 + GWF_SHORT_ROWS <= rows; i0 += GWF_SHORT_ROWS)
        dense_rows(a + i0, lda, b, rs, cs, c + i0, ldc, columns, depth, bias, derivative ? derivative + i0 : derivative,
                   epilogue, GWF_SHORT_ROWS, GWF_SHORT_ROWS, columns_per_tile);
    if (i0 == rows) return;
    const long r = rows - i0;
    float local[1024 * GWF_SHORT_ROWS];
    float *padded = depth <= 1024 ? local : malloc(sizeof(float) * GWF_SHORT_ROWS * (size_t)depth);
    if (!padded) abort();
    for (long k = 0; k < depth; k++) {
        for (long ii = 0; ii < GWF_SHORT_ROWS; ii++) padded[k * GWF_SHORT_ROWS + ii] = 0.0f;
        memcpy(padded + k * GWF_SHORT_ROWS, a + i0 + k * lda, sizeof(float) * (size_t)r);
    }
    dense_rows(padded, GWF_SHORT_ROWS, b, rs, cs, c + i0, ldc, columns, depth, bias,
               derivative ? derivative + i0 : derivative, epilogue, GWF_SHORT_ROWS, r, columns_per_tile);
    if (padded != local) free(padded);
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
#define GWF_AT_LEVEL(suffix, features, rows_per_tile, columns_per_tile)                                               \
    __attribute__((target(features))) static void dense_##suffix(const float *a, long lda, const float *b, long rs,   \
                                                               long cs, float *c, long ldc, long rows, long columns, \
                                                               long depth, const float *bias, float *derivative,     \
                                                               int epilogue) {                                       \
        dense_portable(a, lda, b, rs, cs, c, ldc, rows, columns, depth, bias, derivative, epilogue, rows_per_tile,    \
                       columns_per_tile);                                                                             \
    }                                                                                                             \
    __attribute__((target(features))) static void adamax_##suffix(float *theta, const float *gradient, float *m,     \
                                                                float *u, long count, float decay, float beta1,   \
                                                                float beta2, float epsilon, float rate) {         \
        adamax_portable(theta, gradient, m, u, count, decay, beta1, beta2, epsilon, rate);                         \
    }
// Tiles: 64 × 4 (16 of AVX-512's 32 registers), 16 × 6 (12 of AVX2's 16).
GWF_AT_LEVEL(avx512, "avx512f", 64, 4)
GWF_AT_LEVEL(avx2, "avx2,fma", 16, 6)
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

void gwf_dense_at(int level, const float *a, long lda, const float *b, long b_row_stride, long b_column_stride,
                  float *c, long ldc, long rows, long columns, long depth, const float *bias, float *derivative,
                  int epilogue) {
#ifdef GWF_X86
    if (level >= GWF_AVX512) {
        dense_avx512(a, lda, b, b_row_stride, b_column_stride, c, ldc, rows, columns, depth, bias, derivative, epilogue);
        return;
    }
    if (level == GWF_AVX2) {
        dense_avx2(a, lda, b, b_row_stride, b_column_stride, c, ldc, rows, columns, depth, bias, derivative, epilogue);
        return;
    }
#endif
    (void)level;
    dense_portable(a, lda, b, b_row_stride, b_column_stride, c, ldc, rows, columns, depth, bias, derivative, epilogue,
                   GWF_SHORT_ROWS, 4);
}

void gwf_dense(const float *a, long lda, const float *b, long b_row_stride, long b_column_stride, float *c, long ldc,
               long rows, long columns, long depth, const float *bias, float *derivative, int epilogue) {
    gwf_dense_at(gwf_simd_level(), a, lda, b, b_row_stride, b_column_stride, c, ldc, rows, columns, depth, bias,
                 derivative, epilogue);
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
