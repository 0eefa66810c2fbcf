// Column sums of x [rows, n] (bias gradients) via a deterministic two-stage reduction.
#include "common.cuh"

// Stage 1: block (32 x 8) sums 32 columns over one chunk of rows into part [gridDim.y, n].
extern "C" __global__ void nvit_sum_rows_partial(const float* x, float* part, long long rows, int n, int rowsPerChunk) {
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
}

// Stage 2: out[j] = (accumulate ? out[j] : 0) + sum over chunks of part[c, j]. out may be null (skipped).
extern "C" __global__ void nvit_sum_partials(const float* part, float* out, int chunks, int n, int accumulate) {
    int j = blockIdx.x * blockDim.x + threadIdx.x;
    if (j >= n || out == nullptr) return;
    float acc = 0.f;
    for (int c = 0; c < chunks; c++) acc += part[(long long)c * n + j];
    out[j] = accumulate ? out[j] + acc : acc;
}
