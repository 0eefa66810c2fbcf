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
struct nvit_dim3 { unsigned x = 0, y = 0, z = 0; };
inline nvit_dim3 threadIdx, blockIdx, blockDim, gridDim;
inline float __shfl_xor_sync(unsigned, float v, int) { return v; } // never reached by the kernels run here
inline void __syncthreads() {}
