// Per-unit ops of structured pruning on a tensor seen as [outer, units, inner]: per-unit dot products (Taylor
// saliency, a deterministic two-stage reduction: fixed partials, then a fixed-order sum), per-unit scaling (masks),
// and the accumulation of batch scores.
#include "common.cuh"

// dotAlong stage 1 for inner > 1 (a unit is `outer` runs of `inner` contiguous elements): block (u, s) sums a * b
// over slice s of unit u's elements k = o * inner + i, k in [s * perSlice, (s + 1) * perSlice), into
// part[s * units + u]. Consecutive threads take consecutive k, so a warp reads along a run (coalesced). The element
// offset is stepped by the block size as a two-digit counter (o, i), so there is no division per element.
extern "C" __global__ void nvit_dot_along_rows(const float* a, const float* b, float* part, int units,
                                               long long outer, int inner, long long perSlice) {
    __shared__ float scratch[32];
    int u = blockIdx.x;
    long long k = (long long)blockIdx.y * perSlice + threadIdx.x;
    long long end = min(outer * inner, (long long)(blockIdx.y + 1) * perSlice);
    long long run = (long long)units * inner;  // from one run of unit u to the next
    int i = (int)(k % inner);
    long long off = (k / inner) * run + (long long)u * inner + i;
    int stepI = blockDim.x % inner;
    long long stepOff = (long long)(blockDim.x / inner) * run + stepI;
    float s = 0.f;
    for (; k < end; k += blockDim.x) {
        s = fmaf(a[off], b[off], s);
        off += stepOff;
        i += stepI;
        if (i >= inner) { i -= inner; off += run - inner; }  // carry into the next run
    }
    s = blockSum(s, scratch);
    if (threadIdx.x == 0) part[(long long)blockIdx.y * units + u] = s;
}

// dotAlong stage 1 for inner == 1 (a unit is a column of [outer, units]): block (32 x 8) covers 32 units and one
// chunk of rows, each warp reading 32 neighbouring units of a row; writes part[chunk * units + u].
extern "C" __global__ void nvit_dot_along_cols(const float* a, const float* b, float* part, long long outer,
                                               int units, int rowsPerChunk) {
    __shared__ float sh[8][33];
    int u = blockIdx.x * 32 + threadIdx.x;
    long long o0 = (long long)blockIdx.y * rowsPerChunk;
    long long o1 = min(outer, o0 + rowsPerChunk);
    float s = 0.f;
    if (u < units)
        for (long long o = o0 + threadIdx.y; o < o1; o += 8) s = fmaf(a[o * units + u], b[o * units + u], s);
    sh[threadIdx.y][threadIdx.x] = s;
    __syncthreads();
    if (threadIdx.y == 0 && u < units) {
        for (int y = 1; y < 8; y++) s += sh[y][threadIdx.x];
        part[(long long)blockIdx.y * units + u] = s;
    }
}

// dotAlong stage 2: out[u] += alpha * (sum over c of part[c * units + u]), in chunk order (part may be null when
// chunks == 0: an empty view adds alpha * 0).
extern "C" __global__ void nvit_dot_along_finish(const float* part, float* out, float alpha, int chunks, int units) {
    int u = blockIdx.x * blockDim.x + threadIdx.x;
    if (u >= units) return;
    float s = 0.f;
    for (int c = 0; c < chunks; c++) s += part[(long long)c * units + u];
    out[u] += alpha * s;
}

// x[o, u, i] *= factors[u] over x's n elements, grid-stride. Each thread keeps (u, i) of its index as a counter
// that advances by the grid stride (one division per thread to start, none per element). A factor of 1 (a kept
// unit: most of them while masking) skips the store.
extern "C" __global__ void nvit_scale_along(float* x, const float* __restrict__ factors, long long n, int units,
                                            int inner) {
    long long k = (long long)blockIdx.x * blockDim.x + threadIdx.x, stride = (long long)blockDim.x * gridDim.x;
    int i = (int)(k % inner), u = (int)(k / inner % units);
    int stepI = (int)(stride % inner), stepU = (int)(stride / inner % units);
    for (; k < n; k += stride) {
        float f = factors[u];
        if (f != 1.f) x[k] *= f;
        i += stepI;
        u += stepU;
        if (i >= inner) { i -= inner; u++; }
        if (u >= units) u -= units;  // u + stepU + 1 < 2 * units: one wrap at most
    }
}

// sum[i] += f(c[i]) when that is finite, then c[i] = 0. score: 0 identity, 1 |c|, 2 c^2 (in float, as the CPU
// backend: a square that overflows is dropped like any other non-finite score).
extern "C" __global__ void nvit_accumulate_score(float* c, float* sum, int score, long long n) {
    NVIT_GRID_STRIDE(i, n) {
        float v = c[i];
        float s = score == 2 ? v * v : score == 1 ? fabsf(v) : v;
        if (isfinite(s)) sum[i] += s;
        c[i] = 0.f;
    }
}
