// Shared helpers for the nvit kernels: grid-stride indexing, warp/block reductions, the single-launch reduction
// ticket, and the counter hash of org.nvit.engine.Rng.uniformAt.
#pragma once
#include <cuda_runtime.h>
#include <math_constants.h>

// Dynamic shared memory (a kernel's carve-up of it computed at run time); the host shims provide their own buffer.
#ifndef NVIT_DYNAMIC_SMEM
#define NVIT_DYNAMIC_SMEM(name) extern __shared__ __align__(128) unsigned char name[]
#endif

#define NVIT_GRID_STRIDE(i, n) \
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < (n); \
         i += (long long)blockDim.x * gridDim.x)

__device__ __forceinline__ float warpSum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warpMax(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Block-wide sum; every thread gets the result. blockDim.x is a multiple of 32, at most 1024.
// `scratch` holds 32 floats; the trailing barrier lets callers reuse it right away.
__device__ __forceinline__ float blockSum(float v, float* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = warpSum(v);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float r = lane < warps ? scratch[lane] : 0.f;
    r = warpSum(r);
    __syncthreads();
    return r;
}

__device__ __forceinline__ float blockMax(float v, float* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = warpMax(v);
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    float r = lane < warps ? scratch[lane] : -CUDART_INF_F;
    r = warpMax(r);
    __syncthreads();
    return r;
}

// V consecutive floats (V = 4: one 16-byte access; the pointer must be 16-byte aligned).
template <int V> __device__ __forceinline__ void load(const float* p, float (&a)[V]) {
    if constexpr (V == 4) {
        float4 t = *reinterpret_cast<const float4*>(p);
        a[0] = t.x; a[1] = t.y; a[2] = t.z; a[3] = t.w;
    } else {
        for (int u = 0; u < V; u++) a[u] = p[u];
    }
}

template <int V> __device__ __forceinline__ void store(float* p, const float (&a)[V]) {
    if constexpr (V == 4) *reinterpret_cast<float4*>(p) = make_float4(a[0], a[1], a[2], a[3]);
    else for (int u = 0; u < V; u++) p[u] = a[u];
}

// Single-launch reductions: every block writes its partial results, then calls this; it returns true, in all of its
// threads, in the one block that finishes last, which then adds the partials in a fixed order (so the result does
// not depend on which block that is: deterministic, unlike atomics on the result). The fence makes each block's
// partials visible before it takes its ticket; the last block puts the ticket back to 0 for the next launch (kernels
// on one stream never overlap). Partials written by other blocks are read with ldcg (past this SM's L1).
__device__ __forceinline__ bool lastBlock(unsigned* ticket) {
    __shared__ bool last;
    __threadfence();
    __syncthreads();
    if (threadIdx.x == 0 && threadIdx.y == 0) {
        unsigned done = atomicAdd(ticket, 1u);
        last = done == gridDim.x * gridDim.y - 1;
        if (last) *ticket = 0;
    }
    __syncthreads();
    return last;
}

// The second stage of a column reduction, run by the last block (256 threads, seen as 32 columns x 8 lanes):
// out[j] = (accumulate ? out[j] : 0) + the sum over chunks of part[c, j], 32 columns at a time, each lane adding
// every 8th chunk, then the lanes in order. out may be null (nothing to do).
__device__ __forceinline__ void finishColumns(const float* part, int chunks, int n, float* out, int accumulate) {
    __shared__ float s[8][33];
    if (out == nullptr) return;
    int tid = threadIdx.y * blockDim.x + threadIdx.x, tx = tid & 31, ty = tid >> 5;
    for (int col0 = 0; col0 < n; col0 += 32) {
        int j = col0 + tx;
        float acc = 0.f;
        if (j < n) {
#pragma unroll 4
            for (int c = ty; c < chunks; c += 8) acc += __ldcg(part + (long long)c * n + j);
        }
        s[ty][tx] = acc;
        __syncthreads();
        if (ty == 0 && j < n) {
            for (int k = 1; k < 8; k++) acc += s[k][tx];
            out[j] = accumulate ? out[j] + acc : acc;
        }
        __syncthreads();
    }
}

// The counter hash of org.nvit.engine.Rng.uniformAt, so CPU and GPU random masks agree bit for bit:
// u_i = (mix(seed + i * 0x9E3779B97F4A7C15) >> 40) * 2^-24 (SplitMix64 finaliser, top 24 bits, exact in float).
__host__ __device__ __forceinline__ unsigned long long splitmixFinal(unsigned long long z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

__host__ __device__ __forceinline__ float uniformAt(unsigned long long seed, unsigned long long counter) {
    return (float)(splitmixFinal(seed + counter * 0x9E3779B97F4A7C15ull) >> 40) * 0x1.0p-24f;
}

// Exact-erf GELU and its derivative (the CPU backends' formulas).
__device__ __forceinline__ float geluExact(float v) {
    return 0.5f * v * (1.f + erff(v * 0.70710678118654752f));
}

__device__ __forceinline__ float geluGrad(float v) {
    float cdf = 0.5f * (1.f + erff(v * 0.70710678118654752f));
    float pdf = expf(-0.5f * v * v) * 0.39894228040143268f;
    return cdf + v * pdf;
}

// Which reduction ticket each single-launch kernel uses (a persistent zeroed array the backend owns).
#define NVIT_TICKET_SUM_ROWS 0
#define NVIT_TICKET_LN_PARAMS 1
#define NVIT_TICKET_BIAS_GELU 2
#define NVIT_TICKET_SUM_SQUARES 3
#define NVIT_TICKET_CROSS_ENTROPY 4
#define NVIT_TICKETS 8
