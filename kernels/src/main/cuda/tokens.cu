// Token-axis copies of [B, N, D] sequences, one launch per op (the cls/dist tokens concatenated in front of the
// patch tokens, the cls token picked for the head, and their adjoints). Grids are (token blocks, samples): blockIdx.x
// = token * dBlocks + column block, so a thread finds its token with one division per block, none per element.
#include "common.cuh"

// Up to 4 parts [B or 1, n_i, D] (bit i of bcastMask set: part i has batch 1 and is broadcast); unused parts have
// n_i = 0. Part i of token t and the part's first token, by comparisons (no run-time index into an array).
__device__ __forceinline__ int partOf(int n0, int n1, int n2, int t, int& first) {
    if (t < n0) { first = 0; return 0; }
    if (t < n0 + n1) { first = n0; return 1; }
    if (t < n0 + n1 + n2) { first = n0 + n1; return 2; }
    first = n0 + n1 + n2;
    return 3;
}

template <class T> __device__ __forceinline__ T pick(int i, T a, T b, T c, T d) {
    return i == 0 ? a : i == 1 ? b : i == 2 ? c : d;
}

// out [B, N, D]: token t of sample b from its part.
extern "C" __global__ void nvit_concat_tokens(const float* p0, const float* p1, const float* p2, const float* p3,
                                              int n0, int n1, int n2, int n3, int bcastMask, float* out, int nt,
                                              int d, int dBlocks) {
    int t = blockIdx.x / dBlocks, j = (blockIdx.x - t * dBlocks) * blockDim.x + threadIdx.x;
    long long b = blockIdx.y;
    if (j >= d) return;
    int first, i = partOf(n0, n1, n2, t, first);
    long long src = (((bcastMask >> i) & 1) ? 0 : b * pick(i, n0, n1, n2, n3)) + (t - first);
    out[(b * nt + t) * d + j] = pick(i, p0, p1, p2, p3)[src * d + j];
}

// The adjoint: grad_i [B or 1, n_i, D] += part i's tokens of gy (summed over the batch for a broadcast part); a null
// grad_i is skipped. One thread per (token, column) walks the samples, so a broadcast part's sum has a fixed order.
extern "C" __global__ void nvit_concat_tokens_backward(const float* gy, float* g0, float* g1, float* g2, float* g3,
                                                       int n0, int n1, int n2, int n3, int bcastMask, int batch,
                                                       int nt, int d, int dBlocks) {
    int t = blockIdx.x / dBlocks, j = (blockIdx.x - t * dBlocks) * blockDim.x + threadIdx.x;
    if (j >= d) return;
    int first, i = partOf(n0, n1, n2, t, first);
    float* g = pick(i, g0, g1, g2, g3);
    if (g == nullptr) return;
    int ti = t - first, ni = pick(i, n0, n1, n2, n3);
    if ((bcastMask >> i) & 1) {
        float s = 0.f;
        for (long long b = 0; b < batch; b++) s += gy[(b * nt + t) * d + j];
        g[(long long)ti * d + j] += s;
    } else {
        for (long long b = 0; b < batch; b++) g[(b * ni + ti) * d + j] += gy[(b * nt + t) * d + j];
    }
}

// out [B, D] = x[:, index, :]; grid (column blocks, samples).
extern "C" __global__ void nvit_select_token(const float* x, float* out, int index, int nt, int d) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    long long b = blockIdx.y;
    if (j < d) out[b * d + j] = x[(b * nt + index) * d + j];
}

// gx[:, index, :] += gy.
extern "C" __global__ void nvit_select_token_backward(const float* gy, float* gx, int index, int nt, int d) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    long long b = blockIdx.y;
    if (j < d) gx[(b * nt + index) * d + j] += gy[b * d + j];
}
