// LayerNorm over the last axis: forward (optionally fused with a residual add), backward for the input per row, and
// the parameter gradients through a deterministic two-stage column reduction (partials per row chunk, then a sum).
// Every kernel takes a nullable channel mask [n] (0 = channel pruned away): with one, the statistics cover only the
// kept channels and the outputs are 0 on the others. A masked-off channel is skipped, never multiplied by 0, so that
// whatever it holds (NaN included) cannot reach a sum. Plain LayerNorm passes null and pays one predicate per element.
#include "common.cuh"

__device__ __forceinline__ bool keptChannel(const float* mask, int j) { return mask == nullptr || mask[j] != 0.f; }

// The row's kept-channel count from each thread's share: n without a mask, else a block sum (exact in float up to
// 2^24 channels). Counted on the device, so that a device-resident mask costs no host round trip.
__device__ __forceinline__ float keptCount(const float* mask, float mine, int n, float* scratch) {
    return mask == nullptr ? (float)n : blockSum(mine, scratch);
}

// One block per row. When res != null: s = x + res is written to sum (the residual stream, every channel) and
// normalised; otherwise x itself is normalised. Saves mean and rstd (biased variance) for the backward pass.
extern "C" __global__ void nvit_layernorm(const float* x, const float* res, float* sum, const float* __restrict__ mask,
                                          const float* __restrict__ gamma, const float* __restrict__ beta, float eps,
                                          float* y, float* mean, float* rstd, int n) {
    __shared__ float scratch[32];
    long long r = blockIdx.x;
    const float* xr = x + r * n;
    const float* rr = res ? res + r * n : nullptr;
    float* sr = sum ? sum + r * n : nullptr;
    float* yr = y + r * n;
    float s = 0.f, mine = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) {
        float v = xr[j];
        if (rr) { v += rr[j]; sr[j] = v; }
        if (keptChannel(mask, j)) { s += v; mine += 1.f; }
    }
    float kept = keptCount(mask, mine, n, scratch);
    float mu = blockSum(s, scratch) / kept;
    // The fused path re-reads its own writes to sr: same thread, same index, so no barrier is needed.
    const float* src = rr ? sr : xr;
    float q = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x)
        if (keptChannel(mask, j)) { float d = src[j] - mu; q += d * d; }
    float var = blockSum(q, scratch) / kept;
    float rs = rsqrtf(var + eps);
    for (int j = threadIdx.x; j < n; j += blockDim.x)
        yr[j] = keptChannel(mask, j) ? (src[j] - mu) * rs * gamma[j] + beta[j] : 0.f;
    if (threadIdx.x == 0) { mean[r] = mu; rstd[r] = rs; }
}

// One block per row: gx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = gy * gamma, the means over the kept
// channels; gx = 0 on the others. gx may alias gy: every read of gy precedes the block sums, or is the same thread's
// read of the element it then writes.
extern "C" __global__ void nvit_layernorm_backward_x(const float* x, const float* gy, const float* __restrict__ gamma,
                                                     const float* __restrict__ mask, const float* mean,
                                                     const float* rstd, float* gx, int n) {
    __shared__ float scratch[32];
    long long r = blockIdx.x;
    const float *xr = x + r * n, *gr = gy + r * n;
    float* out = gx + r * n;
    float mu = mean[r], rs = rstd[r];
    float sg = 0.f, sgx = 0.f, mine = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) {
        if (!keptChannel(mask, j)) continue;
        float g = gr[j] * gamma[j];
        sg += g;
        sgx += g * (xr[j] - mu) * rs;
        mine += 1.f;
    }
    float kept = keptCount(mask, mine, n, scratch);
    sg = blockSum(sg, scratch) / kept;
    sgx = blockSum(sgx, scratch) / kept;
    for (int j = threadIdx.x; j < n; j += blockDim.x) {
        if (!keptChannel(mask, j)) { out[j] = 0.f; continue; }
        float xhat = (xr[j] - mu) * rs;
        out[j] = rs * (gr[j] * gamma[j] - sg - xhat * sgx);
    }
}

// Stage 1 of gGamma/gBeta: block (32 x 8) covers 32 columns and one chunk of rows; writes its column sums of
// gy * xhat and gy to partGamma/partBeta [gridDim.y, n] (0 for a masked-off column, which is not read).
extern "C" __global__ void nvit_layernorm_backward_params_partial(const float* x, const float* gy,
                                                                  const float* __restrict__ mask, const float* mean,
                                                                  const float* rstd, float* partGamma,
                                                                  float* partBeta, long long rows, int n,
                                                                  int rowsPerChunk) {
    __shared__ float sG[8][33], sB[8][33];
    int col = blockIdx.x * 32 + threadIdx.x;
    long long r0 = (long long)blockIdx.y * rowsPerChunk;
    long long r1 = min(rows, r0 + rowsPerChunk);
    float g = 0.f, b = 0.f;
    if (col < n && keptChannel(mask, col)) {
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
