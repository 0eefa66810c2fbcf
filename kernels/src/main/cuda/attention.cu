// Fused multi-head attention, forward and backward, FlashAttention-style: the [N, N] probabilities of a head never
// reach device memory. For image b and head h, O = softmax(scale Q K^T) V with Q, K, V read in place from [B, N, ld]
// projections (the host passes each operand's first column; head h starts h * d columns further). Any head widths
// that are multiples of 8 (padded to 16 in shared memory with zeros), Q/K width != V width, any token count (keys
// past N are masked). The matrix products are 16 x 16 warp tiles from shared memory through one of three policies:
// plain fp32 FMAs (FP32 precision), tensor-core TF32 or BF16 (fp32 accumulation), picked by the host. Softmax
// state and every elementwise step run in fp32 on those tiles.
//
// Block: 4 warps. Forward and dQ: 64 query rows per block (16 per warp), keys in tiles of 32. dK/dV: 64 keys per
// block (16 per warp), queries in tiles of 32. The backward recomputes P = exp(scale S - lse) from the forward's
// log-sum-exp and D = rowsum(dO * O) from its output; dK/dV and dQ are separate kernels, so that nothing is added
// atomically (the results are deterministic).
#include "common.cuh"
#include <cuda_bf16.h>
#include <mma.h>

namespace attn {

constexpr int WARPS = 4, ROWS = 64, TILE = 32;

// ---------------------------------------------------------------- warp products: C[16 x 16] (+)= A[16 x K] B[K x 16]
// A row-major (lda); B row-major [K x 16] (ldb) or, when BT, given as B^T row-major [16 x K] (ldb). C fp32 row-major.

struct F32 { // CUDA cores: lane l computes row l / 2, columns (l % 2) * 8 .. + 8
    typedef float T;
    static constexpr int PAD = 4;
    __device__ static T from(float v) { return v; }
    template <bool BT>
    __device__ static void mma(float* C, int ldc, const T* A, int lda, const T* B, int ldb, int K, bool acc) {
        int lane = threadIdx.x & 31, r = lane >> 1, c0 = (lane & 1) * 8;
        float s[8];
        for (int i = 0; i < 8; i++) s[i] = acc ? C[r * ldc + c0 + i] : 0.f;
        for (int k = 0; k < K; k++) {
            float a = A[r * lda + k];
            for (int i = 0; i < 8; i++) s[i] = fmaf(a, BT ? B[(c0 + i) * ldb + k] : B[k * ldb + c0 + i], s[i]);
        }
        __syncwarp();
        for (int i = 0; i < 8; i++) C[r * ldc + c0 + i] = s[i];
        __syncwarp();
    }
};

template <class Elem, int KS> struct Wmma { // tensor cores through nvcuda::wmma fragments
    typedef typename std::conditional<KS == 8, float, __nv_bfloat16>::type T;
    static constexpr int PAD = KS == 8 ? 4 : 8; // keeps rows 32-byte aligned, ld a multiple of 4 / 8 elements
    __device__ static T from(float v) {
        if constexpr (KS == 8) return v; else return __float2bfloat16_rn(v);
    }
    template <bool BT>
    __device__ static void mma(float* C, int ldc, const T* A, int lda, const T* B, int ldb, int K, bool acc) {
        using namespace nvcuda;
        typedef typename std::conditional<BT, wmma::col_major, wmma::row_major>::type LayoutB;
        wmma::fragment<wmma::accumulator, 16, 16, KS, float> c;
        if (acc) wmma::load_matrix_sync(c, C, ldc, wmma::mem_row_major);
        else wmma::fill_fragment(c, 0.f);
        for (int k = 0; k < K; k += KS) {
            wmma::fragment<wmma::matrix_a, 16, 16, KS, Elem, wmma::row_major> a;
            wmma::fragment<wmma::matrix_b, 16, 16, KS, Elem, LayoutB> b;
            wmma::load_matrix_sync(a, A + k, lda);
            wmma::load_matrix_sync(b, BT ? B + k : B + (long long)k * ldb, ldb);
            if constexpr (KS == 8) {
                for (int i = 0; i < a.num_elements; i++) a.x[i] = wmma::__float_to_tf32(a.x[i]);
                for (int i = 0; i < b.num_elements; i++) b.x[i] = wmma::__float_to_tf32(b.x[i]);
            }
            wmma::mma_sync(c, a, b, c);
        }
        wmma::store_matrix_sync(C, c, ldc, wmma::mem_row_major);
        __syncwarp();
    }
};
typedef Wmma<nvcuda::wmma::precision::tf32, 8> Tf32;
typedef Wmma<__nv_bfloat16, 16> Bf16;

// ---------------------------------------------------------------- shared memory

__host__ __device__ constexpr int pad16(int d) { return (d + 15) / 16 * 16; }
__host__ __device__ constexpr int align128(int bytes) { return (bytes + 127) / 128 * 128; }

// Carves the dynamic shared memory into 2-D arrays, each 128-byte aligned; the host sizes it with the same calls.
struct Carve {
    unsigned char* base;
    int used = 0;
    template <class E> __device__ E* take(int rows, int ld) {
        E* p = reinterpret_cast<E*>(base + used);
        used += align128(rows * ld * (int)sizeof(E));
        return p;
    }
};

// Bytes of dynamic shared memory of kernel `which` (0 forward, 1 dK/dV, 2 dQ) with operand elements of `elem` bytes:
// the kernels' carve-up, array by array (the host sizes its launches with AttentionKernels.sharedBytes, which must
// give the same numbers: the host harness compares them).
__host__ __device__ constexpr int sharedBytes(int which, int dq, int dv, int elem) {
    int pad = elem == 2 ? 8 : 4, qd = pad16(dq), vd = pad16(dv);
    int lq = qd + pad, lv = vd + pad, lp = TILE + pad, ls = TILE + 4;
    return which == 0 ? align128(ROWS * lq * elem) + align128(TILE * lq * elem) + align128(TILE * lv * elem)
                            + align128(ROWS * ls * 4) + align128(ROWS * lp * elem) + align128(ROWS * (vd + 4) * 4)
         : which == 1 ? align128(ROWS * lq * elem) + align128(ROWS * lv * elem) + align128(TILE * lq * elem)
                            + align128(TILE * lv * elem) + align128(ROWS * ls * 4) + 2 * align128(ROWS * lp * elem)
                            + align128(ROWS * (qd + 4) * 4) + align128(ROWS * (vd + 4) * 4) + 2 * align128(TILE * 4)
                      : align128(ROWS * lq * elem) + align128(ROWS * lv * elem) + align128(TILE * lq * elem)
                            + align128(TILE * lv * elem) + align128(ROWS * ls * 4) + align128(ROWS * lp * elem)
                            + align128(ROWS * (qd + 4) * 4) + align128(ROWS * 4);
}

// Copies rows [r0, r0 + rows) of columns [0, d) of one head's operand (rows ld apart, row t at p + t * ld) into a
// [rows, ld_s] tile, converting to T; rows past n and columns past d (up to dp) become 0. 16-byte loads when the
// operand allows (d and dp are multiples of 8; the pointer and ld decide), else one float at a time.
template <class P>
__device__ void loadTile(typename P::T* tile, int lds, const float* p, long long ld, int r0, int rows, int n, int d,
                         int dp) {
    if (((unsigned long long)p & 15) == 0 && (ld & 3) == 0) {
        int q4 = dp / 4, d4 = d / 4;
        for (int i = threadIdx.x; i < rows * q4; i += blockDim.x) {
            int r = i / q4, c4 = i - r * q4;
            float4 v = make_float4(0.f, 0.f, 0.f, 0.f);
            if (r0 + r < n && c4 < d4) v = *reinterpret_cast<const float4*>(p + (long long)(r0 + r) * ld + 4 * c4);
            typename P::T* t = tile + r * lds + 4 * c4;
            t[0] = P::from(v.x); t[1] = P::from(v.y); t[2] = P::from(v.z); t[3] = P::from(v.w);
        }
        return;
    }
    for (int i = threadIdx.x; i < rows * dp; i += blockDim.x) {
        int r = i / dp, c = i - r * dp;
        float v = r0 + r < n && c < d ? p[(long long)(r0 + r) * ld + c] : 0.f;
        tile[r * lds + c] = P::from(v);
    }
}

// Writes rows [r0, r0 + rows) (those below n) of a fp32 tile times `mul` to dst (rows ld apart), dst = beta * dst + ..
__device__ void storeTile(float* dst, long long ld, const float* tile, int lds, int r0, int rows, int n, int d,
                          float mul, float beta) {
    for (int i = threadIdx.x; i < rows * d; i += blockDim.x) {
        int r = i / d, c = i - r * d;
        if (r0 + r >= n) continue;
        float* o = dst + (long long)(r0 + r) * ld + c;
        float v = mul * tile[r * lds + c];
        *o = beta == 0.f ? v : beta * *o + v;
    }
}

// D[i] = sum_c dO[i, c] * O[i, c] for rows [r0, r0 + rows), in fp32 from global memory (0 past n).
__device__ void rowDots(float* D, const float* dO, const float* O, long long ld, int r0, int rows, int n, int dv) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    for (int r = warp; r < rows; r += WARPS) {
        float s = 0.f;
        if (r0 + r < n)
            for (int c = lane; c < dv; c += 32) s += dO[(long long)(r0 + r) * ld + c] * O[(long long)(r0 + r) * ld + c];
        s = warpSum(s);
        if (lane == 0) D[r] = s;
    }
}

// ---------------------------------------------------------------- forward

template <class P>
__device__ void forward(const float* q, int ldq, const float* k, int ldk, const float* v, int ldv, float* out,
                        float* lse, int n, int heads, int dq, int dv, float scale) {
    typedef typename P::T T;
    NVIT_DYNAMIC_SMEM(smem);
    const int DQ = pad16(dq), DV = pad16(dv);
    const int lq = DQ + P::PAD, lv = DV + P::PAD, lp = TILE + P::PAD, ls = TILE + 4, lo = DV + 4;
    Carve cv{smem};
    T* Qs = cv.take<T>(ROWS, lq);
    T* Ks = cv.take<T>(TILE, lq);
    T* Vs = cv.take<T>(TILE, lv);
    float* Ss = cv.take<float>(ROWS, ls);
    T* Ps = cv.take<T>(ROWS, lp);
    float* Os = cv.take<float>(ROWS, lo);
    int h = blockIdx.y, q0 = blockIdx.x * ROWS, warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    long long b = blockIdx.z;
    const float* qb = q + b * n * (long long)ldq + h * dq;
    const float* kb = k + b * n * (long long)ldk + h * dq;
    const float* vb = v + b * n * (long long)ldv + h * dv;
    loadTile<P>(Qs, lq, qb, ldq, q0, ROWS, n, dq, DQ);
    for (int i = threadIdx.x; i < ROWS * lo; i += blockDim.x) Os[i] = 0.f;
    // lane pair (2r, 2r + 1) of a warp owns row 16 * warp + r: 16 of the tile's 32 keys each, and the row's state
    int row = 16 * warp + (lane >> 1), half = (lane & 1) * 16;
    float m = -CUDART_INF_F, l = 0.f;
    for (int k0 = 0; k0 < n; k0 += TILE) {
        __syncthreads(); // the last tile's K and V are no longer read
        loadTile<P>(Ks, lq, kb, ldk, k0, TILE, n, dq, DQ);
        loadTile<P>(Vs, lv, vb, ldv, k0, TILE, n, dv, DV);
        __syncthreads();
        for (int j = 0; j < TILE / 16; j++) // S = Q K^T for this warp's 16 rows
            P::template mma<true>(Ss + 16 * warp * ls + 16 * j, ls, Qs + 16 * warp * lq, lq, Ks + 16 * j * lq, lq, DQ, false);
        float s[16], tmax = -CUDART_INF_F;
        for (int i = 0; i < 16; i++) {
            s[i] = k0 + half + i < n ? scale * Ss[row * ls + half + i] : -CUDART_INF_F;
            tmax = fmaxf(tmax, s[i]);
        }
        tmax = fmaxf(tmax, __shfl_xor_sync(0xffffffffu, tmax, 1));
        float mNew = fmaxf(m, tmax), alpha = expf(m - mNew), psum = 0.f; // alpha = 0 on the first tile
        for (int i = 0; i < 16; i++) {
            float p = expf(s[i] - mNew);
            psum += p;
            Ps[row * lp + half + i] = P::from(p);
        }
        psum += __shfl_xor_sync(0xffffffffu, psum, 1);
        l = l * alpha + psum;
        m = mNew;
        for (int c = (lane & 1); c < DV; c += 2) Os[row * lo + c] *= alpha;
        __syncwarp();
        for (int j = 0; j < DV / 16; j++) // O += P V
            P::template mma<false>(Os + 16 * warp * lo + 16 * j, lo, Ps + 16 * warp * lp, lp, Vs + 16 * j, lv, TILE, true);
    }
    int t = q0 + row;
    if (t < n) {
        float inv = 1.f / l;
        float* o = out + (b * n + t) * (long long)heads * dv + h * dv;
        for (int c = (lane & 1); c < dv; c += 2) o[c] = Os[row * lo + c] * inv;
        if ((lane & 1) == 0) lse[(b * heads + h) * (long long)n + t] = m + logf(l);
    }
}

// ---------------------------------------------------------------- backward: dK and dV for 64 keys per block

template <class P>
__device__ void backwardKV(const float* q, int ldq, const float* k, int ldk, const float* v, int ldv, const float* out,
                           const float* gout, const float* lse, float* gk, int ldgk, float betaK, float* gv, int ldgv,
                           float betaV, int n, int heads, int dq, int dv, float scale) {
    typedef typename P::T T;
    NVIT_DYNAMIC_SMEM(smem);
    const int DQ = pad16(dq), DV = pad16(dv);
    const int lq = DQ + P::PAD, lv = DV + P::PAD, lp = TILE + P::PAD, ls = TILE + 4, lkf = DQ + 4, lvf = DV + 4;
    Carve cv{smem};
    T* Ks = cv.take<T>(ROWS, lq);
    T* Vs = cv.take<T>(ROWS, lv);
    T* Qs = cv.take<T>(TILE, lq);
    T* dOs = cv.take<T>(TILE, lv);
    float* St = cv.take<float>(ROWS, ls); // S^T, then dP^T
    T* Pt = cv.take<T>(ROWS, lp);
    T* dSt = cv.take<T>(ROWS, lp);
    float* dK = cv.take<float>(ROWS, lkf);
    float* dV = cv.take<float>(ROWS, lvf);
    float* lseS = cv.take<float>(1, TILE);
    float* Ds = cv.take<float>(1, TILE);
    int h = blockIdx.y, k0 = blockIdx.x * ROWS, warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    long long b = blockIdx.z, wo = (long long)heads * dv;
    const float* qb = q + b * n * (long long)ldq + h * dq;
    const float* kb = k + b * n * (long long)ldk + h * dq;
    const float* vb = v + b * n * (long long)ldv + h * dv;
    const float* ob = out + b * n * wo + h * dv;
    const float* gob = gout + b * n * wo + h * dv;
    const float* lb = lse + (b * heads + h) * (long long)n;
    loadTile<P>(Ks, lq, kb, ldk, k0, ROWS, n, dq, DQ);
    loadTile<P>(Vs, lv, vb, ldv, k0, ROWS, n, dv, DV);
    for (int i = threadIdx.x; i < ROWS * lkf; i += blockDim.x) dK[i] = 0.f;
    for (int i = threadIdx.x; i < ROWS * lvf; i += blockDim.x) dV[i] = 0.f;
    int row = 16 * warp + (lane >> 1), half = (lane & 1) * 16; // key row of this lane pair
    bool keyOk = k0 + row < n;
    for (int q0 = 0; q0 < n; q0 += TILE) {
        __syncthreads();
        loadTile<P>(Qs, lq, qb, ldq, q0, TILE, n, dq, DQ);
        loadTile<P>(dOs, lv, gob, wo, q0, TILE, n, dv, DV);
        rowDots(Ds, gob, ob, wo, q0, TILE, n, dv);
        for (int i = threadIdx.x; i < TILE; i += blockDim.x) lseS[i] = q0 + i < n ? lb[q0 + i] : 0.f;
        __syncthreads();
        for (int j = 0; j < TILE / 16; j++) // S^T = K Q^T
            P::template mma<true>(St + 16 * warp * ls + 16 * j, ls, Ks + 16 * warp * lq, lq, Qs + 16 * j * lq, lq, DQ, false);
        float p[16];
        for (int i = 0; i < 16; i++) {
            int qi = half + i;
            p[i] = keyOk && q0 + qi < n ? expf(scale * St[row * ls + qi] - lseS[qi]) : 0.f;
            Pt[row * lp + qi] = P::from(p[i]);
        }
        __syncwarp();
        for (int j = 0; j < DV / 16; j++) // dV += P^T dO
            P::template mma<false>(dV + 16 * warp * lvf + 16 * j, lvf, Pt + 16 * warp * lp, lp, dOs + 16 * j, lv, TILE, true);
        for (int j = 0; j < TILE / 16; j++) // dP^T = V dO^T
            P::template mma<true>(St + 16 * warp * ls + 16 * j, ls, Vs + 16 * warp * lv, lv, dOs + 16 * j * lv, lv, DV, false);
        for (int i = 0; i < 16; i++) {
            int qi = half + i;
            dSt[row * lp + qi] = P::from(p[i] * (St[row * ls + qi] - Ds[qi]));
        }
        __syncwarp();
        for (int j = 0; j < DQ / 16; j++) // dK += dS^T Q (times scale at the end)
            P::template mma<false>(dK + 16 * warp * lkf + 16 * j, lkf, dSt + 16 * warp * lp, lp, Qs + 16 * j, lq, TILE, true);
    }
    __syncthreads();
    if (gv) storeTile(gv + b * n * (long long)ldgv + h * dv, ldgv, dV, lvf, k0, ROWS, n, dv, 1.f, betaV);
    if (gk) storeTile(gk + b * n * (long long)ldgk + h * dq, ldgk, dK, lkf, k0, ROWS, n, dq, scale, betaK);
}

// ---------------------------------------------------------------- backward: dQ for 64 query rows per block

template <class P>
__device__ void backwardQ(const float* q, int ldq, const float* k, int ldk, const float* v, int ldv, const float* out,
                          const float* gout, const float* lse, float* gq, int ldgq, float betaQ, int n, int heads,
                          int dq, int dv, float scale) {
    typedef typename P::T T;
    NVIT_DYNAMIC_SMEM(smem);
    const int DQ = pad16(dq), DV = pad16(dv);
    const int lq = DQ + P::PAD, lv = DV + P::PAD, lp = TILE + P::PAD, ls = TILE + 4, lqf = DQ + 4;
    Carve cv{smem};
    T* Qs = cv.take<T>(ROWS, lq);
    T* dOs = cv.take<T>(ROWS, lv);
    T* Ks = cv.take<T>(TILE, lq);
    T* Vs = cv.take<T>(TILE, lv);
    float* Ss = cv.take<float>(ROWS, ls); // S, then dP
    T* dSs = cv.take<T>(ROWS, lp);
    float* dQ = cv.take<float>(ROWS, lqf);
    float* Ds = cv.take<float>(1, ROWS);
    int h = blockIdx.y, q0 = blockIdx.x * ROWS, warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    long long b = blockIdx.z, wo = (long long)heads * dv;
    const float* qb = q + b * n * (long long)ldq + h * dq;
    const float* kb = k + b * n * (long long)ldk + h * dq;
    const float* vb = v + b * n * (long long)ldv + h * dv;
    const float* gob = gout + b * n * wo + h * dv;
    loadTile<P>(Qs, lq, qb, ldq, q0, ROWS, n, dq, DQ);
    loadTile<P>(dOs, lv, gob, wo, q0, ROWS, n, dv, DV);
    rowDots(Ds, gob, out + b * n * wo + h * dv, wo, q0, ROWS, n, dv);
    for (int i = threadIdx.x; i < ROWS * lqf; i += blockDim.x) dQ[i] = 0.f;
    int row = 16 * warp + (lane >> 1), half = (lane & 1) * 16;
    bool rowOk = q0 + row < n;
    float rowLse = rowOk ? lse[(b * heads + h) * (long long)n + q0 + row] : 0.f;
    for (int k0 = 0; k0 < n; k0 += TILE) {
        __syncthreads();
        loadTile<P>(Ks, lq, kb, ldk, k0, TILE, n, dq, DQ);
        loadTile<P>(Vs, lv, vb, ldv, k0, TILE, n, dv, DV);
        __syncthreads();
        for (int j = 0; j < TILE / 16; j++) // S = Q K^T
            P::template mma<true>(Ss + 16 * warp * ls + 16 * j, ls, Qs + 16 * warp * lq, lq, Ks + 16 * j * lq, lq, DQ, false);
        float p[16];
        for (int i = 0; i < 16; i++)
            p[i] = rowOk && k0 + half + i < n ? expf(scale * Ss[row * ls + half + i] - rowLse) : 0.f;
        __syncwarp();
        for (int j = 0; j < TILE / 16; j++) // dP = dO V^T
            P::template mma<true>(Ss + 16 * warp * ls + 16 * j, ls, dOs + 16 * warp * lv, lv, Vs + 16 * j * lv, lv, DV, false);
        float d = Ds[row];
        for (int i = 0; i < 16; i++) dSs[row * lp + half + i] = P::from(p[i] * (Ss[row * ls + half + i] - d));
        __syncwarp();
        for (int j = 0; j < DQ / 16; j++) // dQ += dS K (times scale at the end)
            P::template mma<false>(dQ + 16 * warp * lqf + 16 * j, lqf, dSs + 16 * warp * lp, lp, Ks + 16 * j, lq, TILE, true);
    }
    __syncthreads();
    storeTile(gq + b * n * (long long)ldgq + h * dq, ldgq, dQ, lqf, q0, ROWS, n, dq, scale, betaQ);
}

} // namespace attn

#define NVIT_ATTENTION(SUFFIX, POLICY) \
    extern "C" __global__ void __launch_bounds__(128) nvit_attention_forward_##SUFFIX(const float* q, int ldq, \
            const float* k, int ldk, const float* v, int ldv, float* out, float* lse, int n, int heads, int dq, \
            int dv, float scale) { \
        attn::forward<POLICY>(q, ldq, k, ldk, v, ldv, out, lse, n, heads, dq, dv, scale); \
    } \
    extern "C" __global__ void __launch_bounds__(128) nvit_attention_backward_kv_##SUFFIX(const float* q, int ldq, \
            const float* k, int ldk, const float* v, int ldv, const float* out, const float* gout, const float* lse, \
            float* gk, int ldgk, float betaK, float* gv, int ldgv, float betaV, int n, int heads, int dq, int dv, \
            float scale) { \
        attn::backwardKV<POLICY>(q, ldq, k, ldk, v, ldv, out, gout, lse, gk, ldgk, betaK, gv, ldgv, betaV, n, heads, \
                                 dq, dv, scale); \
    } \
    extern "C" __global__ void __launch_bounds__(128) nvit_attention_backward_q_##SUFFIX(const float* q, int ldq, \
            const float* k, int ldk, const float* v, int ldv, const float* out, const float* gout, const float* lse, \
            float* gq, int ldgq, float betaQ, int n, int heads, int dq, int dv, float scale) { \
        attn::backwardQ<POLICY>(q, ldq, k, ldk, v, ldv, out, gout, lse, gq, ldgq, betaQ, n, heads, dq, dv, scale); \
    }
NVIT_ATTENTION(f32, attn::F32)
NVIT_ATTENTION(tf32, attn::Tf32)
NVIT_ATTENTION(bf16, attn::Bf16)
