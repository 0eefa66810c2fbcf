// LayerNorm over the last axis: forward (optionally fused with a residual add), backward for the input and the
// parameter gradients. Rows of up to 1024 channels take one warp each, their values held in registers (one read of
// x per pass, 16-byte loads when the row allows), 8 rows per block; longer rows one block each. The parameter
// gradients are a deterministic two-stage column reduction finished by the last block, in the same launch as the
// input gradient for warp rows. Every kernel takes a nullable channel mask [n] (0 = channel pruned away): with one,
// the statistics cover only the kept channels and the outputs are 0 on the others. A masked-off channel is skipped,
// never multiplied by 0, so that whatever it holds (NaN included) cannot reach a sum.
#include "common.cuh"

__device__ __forceinline__ bool keptChannel(const float* mask, int j) { return mask == nullptr || mask[j] != 0.f; }

// The row's kept-channel count from each thread's share: n without a mask, else a block sum (exact in float up to
// 2^24 channels). Counted on the device, so that a device-resident mask costs no host round trip.
__device__ __forceinline__ float keptCount(const float* mask, float mine, int n, float* scratch) {
    return mask == nullptr ? (float)n : blockSum(mine, scratch);
}

// ---------------------------------------------------------------- one warp per row (n <= 32 * PER)

// Lane `lane` holds columns (lane + 32 k) * V + u for k < PER / V, u < V: coalesced V-wide loads across the warp.
template <int PER, int V>
__device__ void layerNormWarp(const float* x, const float* res, float* sum, const float* __restrict__ mask,
                              const float* __restrict__ gamma, const float* __restrict__ beta, float eps, float* y,
                              float* mean, float* rstd, long long rows, int n) {
    long long r = (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5);
    if (r >= rows) return; // a whole warp
    int lane = threadIdx.x & 31;
    const float* xr = x + r * n;
    float v[PER];
    float s = 0.f, mine = 0.f;
#pragma unroll
    for (int k = 0; k < PER / V; k++) {
        int j = (lane + 32 * k) * V;
        float a[V];
        for (int u = 0; u < V; u++) a[u] = 0.f;
        if (j < n) {
            load<V>(xr + j, a);
            if (res) {
                float b[V];
                load<V>(res + r * n + j, b);
                for (int u = 0; u < V; u++) a[u] += b[u];
                store<V>(sum + r * n + j, a);
            }
            for (int u = 0; u < V; u++)
                if (keptChannel(mask, j + u)) { s += a[u]; mine += 1.f; }
        }
        for (int u = 0; u < V; u++) v[k * V + u] = a[u];
    }
    float kept = mask == nullptr ? (float)n : warpSum(mine);
    float mu = warpSum(s) / kept, q = 0.f;
#pragma unroll
    for (int k = 0; k < PER / V; k++) {
        int j = (lane + 32 * k) * V;
        for (int u = 0; u < V; u++)
            if (j < n && keptChannel(mask, j + u)) { float d = v[k * V + u] - mu; q += d * d; }
    }
    float rs = rsqrtf(warpSum(q) / kept + eps);
#pragma unroll
    for (int k = 0; k < PER / V; k++) {
        int j = (lane + 32 * k) * V;
        if (j >= n) continue;
        float g[V], b[V], o[V];
        load<V>(gamma + j, g);
        load<V>(beta + j, b);
        for (int u = 0; u < V; u++) o[u] = keptChannel(mask, j + u) ? (v[k * V + u] - mu) * rs * g[u] + b[u] : 0.f;
        store<V>(y + r * n + j, o);
    }
    if (lane == 0) { mean[r] = mu; rstd[r] = rs; }
}

// The backward of warp rows in one launch. Block g (8 warps) takes rows [g * per, (g + 1) * per), each warp every
// 8th of them: gx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = gy * gamma (added to gx when addGx), and
// each lane's column sums of gy * xhat and gy over its rows in registers; the block adds its 8 warps in shared
// memory into partG/partB [gridDim.x, n] and the last block adds those into gGamma/gBeta (either may be null).
// gx may alias gy unless addGx (each element's gy is read, in registers, before its gx is written).
template <int PER, int V>
__device__ void layerNormBackwardWarp(const float* x, const float* gy, const float* __restrict__ gamma,
                                      const float* __restrict__ mask, const float* mean, const float* rstd, float* gx,
                                      int addGx, float* partG, float* partB, float* gGamma, float* gBeta,
                                      long long rows, int n, int per, unsigned* ticket) {
    __shared__ float red[8][32 * PER + 1];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    float pg[PER], pb[PER];
    for (int i = 0; i < PER; i++) { pg[i] = 0.f; pb[i] = 0.f; }
    long long r0 = (long long)blockIdx.x * per, r1 = min(rows, r0 + per);
    for (long long r = r0 + warp; r < r1; r += 8) {
        float mu = mean[r], rs = rstd[r];
        float xh[PER], gg[PER], gyv[PER];
        float sg = 0.f, sgx = 0.f, mine = 0.f;
#pragma unroll
        for (int k = 0; k < PER / V; k++) {
            int j = (lane + 32 * k) * V;
            float a[V], b[V], g[V];
            for (int u = 0; u < V; u++) { a[u] = 0.f; b[u] = 0.f; g[u] = 0.f; }
            if (j < n) { load<V>(x + r * n + j, a); load<V>(gy + r * n + j, b); load<V>(gamma + j, g); }
            for (int u = 0; u < V; u++) {
                int i = k * V + u;
                bool on = j < n && keptChannel(mask, j + u);
                xh[i] = on ? (a[u] - mu) * rs : 0.f;
                gyv[i] = on ? b[u] : 0.f;
                gg[i] = gyv[i] * g[u];
                sg += gg[i];
                sgx += gg[i] * xh[i];
                mine += on ? 1.f : 0.f;
            }
        }
        float kept = mask == nullptr ? (float)n : warpSum(mine);
        sg = warpSum(sg) / kept;
        sgx = warpSum(sgx) / kept;
#pragma unroll
        for (int k = 0; k < PER / V; k++) {
            int j = (lane + 32 * k) * V;
            if (j >= n) continue;
            float o[V], old[V];
            if (addGx) load<V>(gx + r * n + j, old);
            for (int u = 0; u < V; u++) {
                int i = k * V + u;
                o[u] = keptChannel(mask, j + u) ? rs * (gg[i] - sg - xh[i] * sgx) : 0.f;
                if (addGx) o[u] += old[u];
                pg[i] += gyv[i] * xh[i];
                pb[i] += gyv[i];
            }
            store<V>(gx + r * n + j, o);
        }
    }
    // the block's column sums, gamma then beta through the same shared rows, into partial row blockIdx.x
    for (int pass = 0; pass < 2; pass++) {
        float* part = pass == 0 ? partG : partB;
#pragma unroll
        for (int k = 0; k < PER / V; k++)
            for (int u = 0; u < V; u++) red[warp][(lane + 32 * k) * V + u] = pass == 0 ? pg[k * V + u] : pb[k * V + u];
        __syncthreads();
        for (int j = threadIdx.x; j < n; j += blockDim.x) {
            float t = 0.f;
            for (int w = 0; w < 8; w++) t += red[w][j];
            part[(long long)blockIdx.x * n + j] = t;
        }
        __syncthreads();
    }
    if (!lastBlock(ticket)) return;
    finishColumns(partG, gridDim.x, n, gGamma, 1);
    finishColumns(partB, gridDim.x, n, gBeta, 1);
}

#define NVIT_LN_WARP(PER, V) \
    extern "C" __global__ void __launch_bounds__(256) nvit_layernorm_warp##PER##v##V(const float* x, const float* res, float* sum, \
            const float* __restrict__ mask, const float* __restrict__ gamma, const float* __restrict__ beta, float eps, \
            float* y, float* mean, float* rstd, long long rows, int n) { \
        layerNormWarp<PER, V>(x, res, sum, mask, gamma, beta, eps, y, mean, rstd, rows, n); \
    } \
    extern "C" __global__ void __launch_bounds__(256) nvit_layernorm_backward_warp##PER##v##V(const float* x, const float* gy, \
            const float* __restrict__ gamma, const float* __restrict__ mask, const float* mean, const float* rstd, \
            float* gx, int addGx, float* partG, float* partB, float* gGamma, float* gBeta, long long rows, int n, \
            int per, unsigned* ticket) { \
        layerNormBackwardWarp<PER, V>(x, gy, gamma, mask, mean, rstd, gx, addGx, partG, partB, gGamma, gBeta, rows, \
                                      n, per, ticket); \
    }
NVIT_LN_WARP(4, 1)
NVIT_LN_WARP(8, 1)
NVIT_LN_WARP(8, 4)
NVIT_LN_WARP(16, 1)
NVIT_LN_WARP(16, 4)
NVIT_LN_WARP(32, 1)
NVIT_LN_WARP(32, 4)

// ---------------------------------------------------------------- one block per row (n > 1024)

// When res != null: s = x + res is written to sum (the residual stream, every channel) and normalised; otherwise x
// itself is normalised. Saves mean and rstd (biased variance) for the backward pass.
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

// gx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = gy * gamma, the means over the kept channels; gx = 0 on the
// others; added to gx when addGx. gx may alias gy unless addGx: every read of gy precedes the block sums, or is the
// same thread's read of the element it then writes.
extern "C" __global__ void nvit_layernorm_backward_x(const float* x, const float* gy, const float* __restrict__ gamma,
                                                     const float* __restrict__ mask, const float* mean,
                                                     const float* rstd, float* gx, int addGx, int n) {
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
        float o = 0.f;
        if (keptChannel(mask, j)) {
            float xhat = (xr[j] - mu) * rs;
            o = rs * (gr[j] * gamma[j] - sg - xhat * sgx);
        }
        out[j] = addGx ? out[j] + o : o;
    }
}

// gGamma/gBeta for block rows in one launch: block (32 x 8) covers 32 columns and one chunk of rows, its sums of
// gy * xhat and gy go to partGamma/partBeta [gridDim.y, n] (0 for a masked-off column, which is not read), and the
// last block adds the chunks into gGamma and gBeta (either may be null). Queued before backward_x (gx may alias gy).
extern "C" __global__ void nvit_layernorm_backward_params(const float* x, const float* gy,
                                                          const float* __restrict__ mask, const float* mean,
                                                          const float* rstd, float* partGamma, float* partBeta,
                                                          float* gGamma, float* gBeta, long long rows, int n,
                                                          int rowsPerChunk, unsigned* ticket) {
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
    if (!lastBlock(ticket)) return;
    finishColumns(partGamma, gridDim.y, n, gGamma, 1);
    finishColumns(partBeta, gridDim.y, n, gBeta, 1);
}
