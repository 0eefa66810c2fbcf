// Host stand-in for <cuda_runtime.h>: lets g++ compile the grid-stride kernels as plain functions, executed by
// host_layout.cpp one (block, thread) at a time. Only for kernels without barriers or warp shuffles.
#pragma once
#include <cmath>
#include <algorithm>
#include <math.h>
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static
#define __launch_bounds__(...)
#define __align__(n) alignas(n)
#define NVIT_DYNAMIC_SMEM(name) unsigned char* name = nullptr // never reached by the kernels run here
struct nvit_dim3 { unsigned x = 0, y = 0, z = 0; };
inline nvit_dim3 threadIdx, blockIdx, blockDim, gridDim;
struct float4 { float x, y, z, w; };
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
// Barrier and warp helpers (in common.cuh) compile but are never reached by the kernels run here.
inline float __shfl_xor_sync(unsigned, float v, int) { return v; }
inline void __syncthreads() {}
inline void __syncwarp(unsigned = 0xffffffffu) {}
inline unsigned atomicAdd(unsigned* p, unsigned v) { unsigned o = *p; *p += v; return o; }
inline void __threadfence() {}
inline float __ldcg(const float* p) { return *p; }
