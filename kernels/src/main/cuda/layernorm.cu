// LayerNorm over the last axis: forward (optionally fused with a residual add), backward for the input per row, and
// the parameter gradients through a deterministic two-stage column reduction (partials per row chunk, then a sum).
#include "common.cuh"

// One block per row. When res != null: s = x + res is written to sum (the residual stream) and normalised;
// otherwise x itself is normalised. Saves mean and rstd (biased variance) for the backward pass.
extern "C" __global__ void nvit_layernorm(const float* x, const float* res, float* sum, const float* __restrict__ gamma,
                                          const float* __restrict__ beta, float eps, float* y, float* mean,
                                          float* rstd, int n) {
    __shared__ float scratch[32];
    long long r = blockIdx.x;
    const float* xr = x + r * n;
    const float* rr = res ? res + r * n : nullptr;
    float* sr = sum ? sum + r * n : nullptr;
    float* yr = y + r * n;
    float s = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) {
        float v = xr[j];
        if (rr) { v += rr[j]; sr[j] = v; }
        s += v;
    }
    float mu = blockSum(s, scratch) / n;
    // The fused path re-reads its own writes to sr: same thread, same index, so no barrier is needed.
    const float* src = rr ? sr : xr;
    float q = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) { float d = src[j] - mu; q += d * d; }
    float var = blockSum(q, scratch) / n;
    float rs = rsqrtf(var + eps);
    for (int j = threadIdx.x; j < n; j += blockDim.x) yr[j] = (src[j] - mu) * rs * gamma[j] + beta[j];
    if (threadIdx.x == 0) { mean[r] = mu; rstd[r] = rs; }
}

// One block per row: gx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = gy * gamma.
extern "C" __global__ void nvit_layernorm_backward_x(const float* x, const float* gy, const float* __restrict__ gamma,
                                                     const float* mean, const float* rstd, float* gx, int n) {
    __shared__ float scratch[32];
    long long r = blockIdx.x;
    const float *xr = x + r * n, *gr = gy + r * n;
    float* out = gx + r * n;
    float mu = mean[r], rs = rstd[r];
    float sg = 0.f, sgx = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) {
        float g = gr[j] * gamma[j];
        sg += g;
        sgx += g * (xr[j] - mu) * rs;
    }
    sg = blockSum(sg, scratch) / n;
    sgx = blockSum(sgx, scratch) / n;
    for (int j = threadIdx.x; j < n; j += blockDim.x) {
        float xhat = (xr[j] - mu) * rs;
        out[j] = rs * (gr[j] * gamma[j] - sg - xhat * sgx);
    }
}

// Stage 1 of gGamma/gBeta: block (32 x 8) covers 32 columns and one chunk of rows; writes its column sums of
// gy * xhat and gy to partGamma/partBeta [gridDim.y, n].
extern "C" __global__ void nvit_layernorm_backward_params_partial(const float* x, const float* gy, const float* mean,
                                                                  const float* rstd, float* partGamma,
                                                                  float* partBeta, long long rows, int n,
                                                                  int rowsPerChunk) {
    __shared__ float sG[8][33], sB[8][33];
    int col = blockIdx.x * 32 + threadIdx.x;
    long long r0 = (long long)blockIdx.y * rowsPerChunk;
    long long r1 = min(rows, r0 + rowsPerChunk);
    float g = 0.f, b = 0.f;
    if (col < n) {
        for (long long r = r0 + threadIdx.y; r < r1; r += 8) {
            float gv = gy[r * n + col];
            g += gv * (x[r * n + col] - mean[r]) * rstd[r];
            b += gv;
        }
    }
    sG[threadIdx.y][threadIdx.x] = g;
    sB[threadIdx.y][threadIdx.x] = b;
    __syncthreads();
    if (threadIdx.y == 0 && col < n) {
        for (int k = 1; k < 8; k++) { g += sG[k][threadIdx.x]; b += sB[k][threadIdx.x]; }
        partGamma[(long long)blockIdx.y * n + col] = g;
        partBeta[(long long)blockIdx.y * n + col] = b;
    }
}
