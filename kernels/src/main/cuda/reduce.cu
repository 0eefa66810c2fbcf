// Column sums of x [rows, n] (bias gradients) in one launch: a deterministic two-stage reduction whose second stage
// runs in the last block to finish (common.cuh, lastBlock).
#include "common.cuh"

// Block (32 x 8) sums 32 columns over one chunk of rows into part [gridDim.y, n]; the last block adds the chunks.
extern "C" __global__ void nvit_sum_rows(const float* x, float* part, float* out, long long rows, int n,
                                         int rowsPerChunk, int accumulate, unsigned* ticket) {
    __shared__ float s[8][33];
    int col = blockIdx.x * 32 + threadIdx.x;
    long long r0 = (long long)blockIdx.y * rowsPerChunk;
    long long r1 = min(rows, r0 + rowsPerChunk);
    float acc = 0.f;
    if (col < n)
        for (long long r = r0 + threadIdx.y; r < r1; r += 8) acc += x[r * n + col];
    s[threadIdx.y][threadIdx.x] = acc;
    __syncthreads();
    if (threadIdx.y == 0 && col < n) {
        for (int k = 1; k < 8; k++) acc += s[k][threadIdx.x];
        part[(long long)blockIdx.y * n + col] = acc;
    }
    if (lastBlock(ticket)) finishColumns(part, gridDim.y, n, out, accumulate);
}
