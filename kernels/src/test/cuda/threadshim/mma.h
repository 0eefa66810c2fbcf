// Host stand-in for <mma.h> (nvcuda::wmma) under threadshim: every lane of a warp holds the whole tile and computes
// the whole product (the same values), so the kernels' use of fragments (shapes, layouts, leading dimensions, the
// order of loads, products and stores) runs on the host. Operands are rounded as the device rounds them: bf16 when
// loaded from bf16, tf32 through __float_to_tf32; products and sums in fp32. Stores are warp-collective: lane 0
// writes between two warp barriers, so no lane can still be reading the tile it overwrites.
#pragma once
#include <type_traits>
#include <cstring>
#include "cuda_bf16.h"

namespace nvcuda {
namespace wmma {
struct row_major {};
struct col_major {};
struct matrix_a {};
struct matrix_b {};
struct accumulator {};
namespace precision { struct tf32 {}; }
enum layout_t { mem_row_major, mem_col_major };

template <class Use, int M, int N, int K, class T, class Layout = void> struct fragment {
    static constexpr int R = std::is_same<Use, matrix_b>::value ? K : M;  // a: M x K, b: K x N, acc: M x N
    static constexpr int C = std::is_same<Use, matrix_a>::value ? K : N;
    static constexpr int num_elements = R * C;
    float x[R * C];  // the logical tile, row-major
};

inline float nvit_wmma_value(float v) { return v; }
inline float nvit_wmma_value(__nv_bfloat16 v) { return __bfloat162float(v); }

template <class Use, int M, int N, int K, class T, class Layout, class P>
inline void load_matrix_sync(fragment<Use, M, N, K, T, Layout>& f, const P* p, unsigned ldm) {
    typedef fragment<Use, M, N, K, T, Layout> F;
    for (int r = 0; r < F::R; r++)
        for (int c = 0; c < F::C; c++)
            f.x[r * F::C + c] = nvit_wmma_value(std::is_same<Layout, col_major>::value ? p[c * ldm + r] : p[r * ldm + c]);
}

template <int M, int N, int K>
inline void load_matrix_sync(fragment<accumulator, M, N, K, float>& f, const float* p, unsigned ldm, layout_t l) {
    for (int r = 0; r < M; r++)
        for (int c = 0; c < N; c++) f.x[r * N + c] = l == mem_row_major ? p[r * ldm + c] : p[c * ldm + r];
}

template <int M, int N, int K> inline void fill_fragment(fragment<accumulator, M, N, K, float>& f, float v) {
    for (float& e : f.x) e = v;
}

template <int M, int N, int K, class T, class LA, class LB>
inline void mma_sync(fragment<accumulator, M, N, K, float>& d, const fragment<matrix_a, M, N, K, T, LA>& a,
                     const fragment<matrix_b, M, N, K, T, LB>& b, const fragment<accumulator, M, N, K, float>& c) {
    float out[M * N];
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            float s = c.x[i * N + j];
            for (int k = 0; k < K; k++) s += a.x[i * K + k] * b.x[k * N + j];
            out[i * N + j] = s;
        }
    std::memcpy(d.x, out, sizeof out);
}

template <int M, int N, int K>
inline void store_matrix_sync(float* p, const fragment<accumulator, M, N, K, float>& f, unsigned ldm, layout_t l) {
    __syncwarp();
    if (nvit_linear_tid() % 32 == 0)
        for (int r = 0; r < M; r++)
            for (int c = 0; c < N; c++) (l == mem_row_major ? p[r * ldm + c] : p[c * ldm + r]) = f.x[r * N + c];
    __syncwarp();
}

// cvt.rna.tf32.f32: 10 mantissa bits, ties away from zero
inline float __float_to_tf32(float v) {
    uint32_t b;
    std::memcpy(&b, &v, 4);
    if ((b & 0x7f800000u) != 0x7f800000u) b = (b + 0x1000u) & 0xffffe000u;
    float f;
    std::memcpy(&f, &b, 4);
    return f;
}
} // namespace wmma
} // namespace nvcuda
