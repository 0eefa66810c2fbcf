// Elementwise ops: fill/copy/add/axpy/mul/scale, bias add, exact-erf GELU forward/backward, per-sample scale.
// All take the element count as a 64-bit integer and use grid-stride loops, so any launch size covers any n.
#include "common.cuh"

extern "C" __global__ void nvit_fill(float* x, float v, long long n) {
    NVIT_GRID_STRIDE(i, n) x[i] = v;
}

extern "C" __global__ void nvit_copy(const float* __restrict__ src, float* __restrict__ dst, long long n) {
    NVIT_GRID_STRIDE(i, n) dst[i] = src[i];
}

// out may alias a or b: each element is read before it is written by the same thread.
extern "C" __global__ void nvit_add(const float* a, const float* b, float* out, long long n) {
    NVIT_GRID_STRIDE(i, n) out[i] = a[i] + b[i];
}

extern "C" __global__ void nvit_add_scalar(float* x, float v, long long n) {
    NVIT_GRID_STRIDE(i, n) x[i] += v;
}

extern "C" __global__ void nvit_axpy(float alpha, const float* x, float* y, long long n) {
    NVIT_GRID_STRIDE(i, n) y[i] = fmaf(alpha, x[i], y[i]);
}

extern "C" __global__ void nvit_mul(const float* a, const float* b, float* out, long long n) {
    NVIT_GRID_STRIDE(i, n) out[i] = a[i] * b[i];
}

extern "C" __global__ void nvit_scale(const float* a, float s, float* out, long long n) {
    NVIT_GRID_STRIDE(i, n) out[i] = s * a[i];
}

// x [rows, cols] += bias [cols], in place.
extern "C" __global__ void nvit_add_bias(float* x, const float* __restrict__ bias, long long n, int cols) {
    NVIT_GRID_STRIDE(i, n) x[i] += bias[i % cols];
}

__device__ __forceinline__ float geluExact(float v) {
    return 0.5f * v * (1.f + erff(v * 0.70710678118654752f));
}

extern "C" __global__ void nvit_gelu(const float* x, float* y, long long n) {
    NVIT_GRID_STRIDE(i, n) y[i] = geluExact(x[i]);
}

// Fused bias + GELU: pre = x + bias (saved for the backward pass when pre != null), y = GELU(pre).
extern "C" __global__ void nvit_bias_gelu(const float* x, const float* __restrict__ bias, float* pre, float* y,
                                          long long n, int cols) {
    NVIT_GRID_STRIDE(i, n) {
        float v = x[i] + bias[i % cols];
        if (pre) pre[i] = v;
        y[i] = geluExact(v);
    }
}

// gx = gy * (Phi(x) + x * phi(x)); gx may alias gy.
extern "C" __global__ void nvit_gelu_backward(const float* x, const float* gy, float* gx, long long n) {
    NVIT_GRID_STRIDE(i, n) {
        float v = x[i];
        float cdf = 0.5f * (1.f + erff(v * 0.70710678118654752f));
        float pdf = expf(-0.5f * v * v) * 0.39894228040143268f;
        gx[i] = gy[i] * (cdf + v * pdf);
    }
}

// y [B, per] = x * sampleScale[b]; y may alias x.
extern "C" __global__ void nvit_scale_samples(const float* x, const float* __restrict__ sampleScale, float* y,
                                              long long n, long long per) {
    NVIT_GRID_STRIDE(i, n) y[i] = sampleScale[i / per] * x[i];
}
