// The backward of bias + GELU in one launch: gx = gy * GELU'(pre) written while the bias gradient's column sums of
// gx accumulate, as a two-stage reduction finished by the last block (same geometry as nvit_sum_rows).
#include "common.cuh"

// Block (32 x 8) covers 32 columns of one chunk of rows; gBias may be null (then only gx is written). gx may alias gy.
extern "C" __global__ void nvit_bias_gelu_backward(const float* pre, const float* gy, float* gx, float* part,
                                                   float* gBias, long long rows, int n, int rowsPerChunk,
                                                   unsigned* ticket) {
    __shared__ float s[8][33];
    int col = blockIdx.x * 32 + threadIdx.x;
    long long r0 = (long long)blockIdx.y * rowsPerChunk;
    long long r1 = min(rows, r0 + rowsPerChunk);
    float acc = 0.f;
    if (col < n)
        for (long long r = r0 + threadIdx.y; r < r1; r += 8) {
            float g = gy[r * n + col] * geluGrad(pre[r * n + col]);
            gx[r * n + col] = g;
            acc += g;
        }
    if (gBias == nullptr) return; // the whole grid agrees
    s[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && col < n) {
        for (int k = 1; k < 8; k++) acc += s[k][threadIdx.x];
        part[(long long)blockIdx.y * n + col] = acc;
    }
    if (lastBlock(ticket)) finishColumns(part, gridDim.y, n, gBias, 1);
}
