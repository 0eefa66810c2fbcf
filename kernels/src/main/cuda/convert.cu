// float <-> bfloat16 conversion (round to nearest even), for bf16 GEMM operands and compact activations.
#include "common.cuh"
#include <cuda_bf16.h>

extern "C" __global__ void nvit_f32_to_bf16(const float* __restrict__ src, __nv_bfloat16* __restrict__ dst, long long n) {
    NVIT_GRID_STRIDE(i, n) dst[i] = __float2bfloat16_rn(src[i]);
}

extern "C" __global__ void nvit_bf16_to_f32(const __nv_bfloat16* __restrict__ src, float* __restrict__ dst, long long n) {
    NVIT_GRID_STRIDE(i, n) dst[i] = __bfloat162float(src[i]);
}
