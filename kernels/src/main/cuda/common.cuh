// Shared helpers for the nvit kernels: grid-stride indexing and warp/block reductions.
#pragma once
#include <cuda_runtime.h>
#include <math_constants.h>

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
