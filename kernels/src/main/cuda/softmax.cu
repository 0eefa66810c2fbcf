// Row softmax forward/backward and soft-target cross-entropy. Rows are handled by one warp each (short rows, e.g.
// attention scores with N = 197) or by one block each (long rows, up to a few thousand columns); the host picks.
#include "common.cuh"

// A "row group" is either one warp (WARP = true; 8 rows per 256-thread block) or the whole block.
template <bool WARP> struct Group {
    __device__ static int lane() { return WARP ? (threadIdx.x & 31) : threadIdx.x; }
    __device__ static int size() { return WARP ? 32 : blockDim.x; }
    __device__ static long long row() {
        return WARP ? (long long)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5) : (long long)blockIdx.x;
    }
    __device__ static float sum(float v, float* s) { return WARP ? warpSum(v) : blockSum(v, s); }
    __device__ static float max(float v, float* s) { return WARP ? warpMax(v) : blockMax(v, s); }
};

template <bool WARP>
__device__ void softmaxRows(const float* x, float* y, float scale, long long rows, int n) {
    __shared__ float scratch[32];
    long long r = Group<WARP>::row();
    if (r >= rows) return;  // whole warp (WARP) or never (block mode: grid == rows)
    const float* xr = x + r * n;
    float* yr = y + r * n;
    int lane = Group<WARP>::lane(), step = Group<WARP>::size();
    float m = -CUDART_INF_F;
    for (int j = lane; j < n; j += step) m = fmaxf(m, scale * xr[j]);
    m = Group<WARP>::max(m, scratch);
    float s = 0.f;
    for (int j = lane; j < n; j += step) s += expf(scale * xr[j] - m);
    s = Group<WARP>::sum(s, scratch);
    float inv = 1.f / s;
    for (int j = lane; j < n; j += step) yr[j] = expf(scale * xr[j] - m) * inv;
}

extern "C" __global__ void nvit_softmax_warp(const float* x, float* y, float scale, long long rows, int n) {
    softmaxRows<true>(x, y, scale, rows, n);
}
extern "C" __global__ void nvit_softmax_block(const float* x, float* y, float scale, long long rows, int n) {
    softmaxRows<false>(x, y, scale, rows, n);
}

// gx = scale * y * (gy - sum(gy * y)); gx may alias gy (the dot product is complete before any write).
template <bool WARP>
__device__ void softmaxBackwardRows(const float* y, const float* gy, float* gx, float scale, long long rows, int n) {
    __shared__ float scratch[32];
    long long r = Group<WARP>::row();
    if (r >= rows) return;
    const float *yr = y + r * n, *gr = gy + r * n;
    float* xr = gx + r * n;
    int lane = Group<WARP>::lane(), step = Group<WARP>::size();
    float d = 0.f;
    for (int j = lane; j < n; j += step) d += gr[j] * yr[j];
    d = Group<WARP>::sum(d, scratch);
    for (int j = lane; j < n; j += step) xr[j] = scale * yr[j] * (gr[j] - d);
}

extern "C" __global__ void nvit_softmax_backward_warp(const float* y, const float* gy, float* gx, float scale,
                                                      long long rows, int n) {
    softmaxBackwardRows<true>(y, gy, gx, scale, rows, n);
}
extern "C" __global__ void nvit_softmax_backward_block(const float* y, const float* gy, float* gx, float scale,
                                                       long long rows, int n) {
    softmaxBackwardRows<false>(y, gy, gx, scale, rows, n);
}

// One block per row: lossRow[r] = -sum_j t_j (x_j - lse); grad (optional) = (softmax * sum(t) - t) * gradScale / rows.
// The last block to finish writes the mean of the rows' losses to meanLoss[0], adding them in a fixed order, so
// that the loss stays on the device (one launch, no host round trip).
extern "C" __global__ void nvit_cross_entropy_soft(const float* logits, const float* targets, float* lossRow,
                                                   float* grad, float gradScale, float* meanLoss, long long rows,
                                                   int n, unsigned* ticket) {
    __shared__ float scratch[32];
    long long r = blockIdx.x;
    const float *xr = logits + r * n, *tr = targets + r * n;
    float m = -CUDART_INF_F;
    for (int j = threadIdx.x; j < n; j += blockDim.x) m = fmaxf(m, xr[j]);
    m = blockMax(m, scratch);
    float s = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) s += expf(xr[j] - m);
    s = blockSum(s, scratch);
    float lse = m + logf(s);
    float loss = 0.f, tsum = 0.f;
    for (int j = threadIdx.x; j < n; j += blockDim.x) {
        float t = tr[j];
        tsum += t;
        loss -= t * (xr[j] - lse);
    }
    loss = blockSum(loss, scratch);
    tsum = blockSum(tsum, scratch);
    if (threadIdx.x == 0) lossRow[r] = loss;
    if (grad) {
        float k = gradScale / (float)rows;
        float* gr = grad + r * n;
        for (int j = threadIdx.x; j < n; j += blockDim.x) gr[j] = (expf(xr[j] - lse) * tsum - tr[j]) * k;
    }
    if (!lastBlock(ticket)) return;
    float total = 0.f;
    for (long long i = threadIdx.x; i < rows; i += blockDim.x) total += __ldcg(lossRow + i);
    total = blockSum(total, scratch);
    if (threadIdx.x == 0) meanLoss[0] = total / (float)rows;
}
