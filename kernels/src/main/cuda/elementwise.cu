// Elementwise ops: fill/copy/add/axpy/mul/scale, exact-erf GELU forward/backward, and the row-wise ops with a
// per-column or per-row operand (bias add, bias + GELU, bias + drop-path + residual, per-sample scale). Element
// counts are 64-bit and loops grid-stride, so any launch size covers any n. Each op has a scalar kernel and a "4"
// kernel of 16-byte accesses, which the host picks when every pointer is 16-byte aligned and the count (the row
// length for row-wise ops) is a multiple of 4. Row-wise ops walk rows and columns as two loops, so no element pays a
// 64-bit division to find its column. No kernel here uses barriers (the host shim runs them thread by thread).
#include "common.cuh"

// Grid-stride over the V-element groups of [0, n) (n a multiple of V).
#define NVIT_GROUPS(i, n, V) \
    for (long long i = ((long long)blockIdx.x * blockDim.x + threadIdx.x) * (V); i < (n); \
         i += (long long)blockDim.x * gridDim.x * (V))

// Rows r of a [rows, cols] view over blockIdx.y, and V-column groups j over x: two counters, no division.
#define NVIT_ROWS(r, rows) for (long long r = blockIdx.y; r < (rows); r += gridDim.y)
#define NVIT_COLS(j, cols, V) \
    for (int j = (blockIdx.x * blockDim.x + threadIdx.x) * (V); j < (cols); j += blockDim.x * gridDim.x * (V))

// Both widths of a kernel body `body<V>(args)`: name (scalar) and name4 (float4).
#define NVIT_BOTH(name, body, params, args) \
    extern "C" __global__ void name params { body<1> args; } \
    extern "C" __global__ void name##4 params { body<4> args; }

template <int V> __device__ void fillK(float* x, float v, long long n) {
    float a[V];
    for (int u = 0; u < V; u++) a[u] = v;
    NVIT_GROUPS(i, n, V) store<V>(x + i, a);
}
NVIT_BOTH(nvit_fill, fillK, (float* x, float v, long long n), (x, v, n))

template <int V> __device__ void copyK(const float* __restrict__ src, float* __restrict__ dst, long long n) {
    NVIT_GROUPS(i, n, V) { float a[V]; load<V>(src + i, a); store<V>(dst + i, a); }
}
NVIT_BOTH(nvit_copy, copyK, (const float* __restrict__ src, float* __restrict__ dst, long long n), (src, dst, n))

// out may alias a or b: each element is read before it is written by the same thread.
template <int V> __device__ void addK(const float* a, const float* b, float* out, long long n) {
    NVIT_GROUPS(i, n, V) {
        float x[V], y[V];
        load<V>(a + i, x); load<V>(b + i, y);
        for (int u = 0; u < V; u++) x[u] += y[u];
        store<V>(out + i, x);
    }
}
NVIT_BOTH(nvit_add, addK, (const float* a, const float* b, float* out, long long n), (a, b, out, n))

extern "C" __global__ void nvit_add_scalar(float* x, float v, long long n) {
    NVIT_GRID_STRIDE(i, n) x[i] += v;
}

template <int V> __device__ void axpyK(float alpha, const float* x, float* y, long long n) {
    NVIT_GROUPS(i, n, V) {
        float a[V], b[V];
        load<V>(x + i, a); load<V>(y + i, b);
        for (int u = 0; u < V; u++) b[u] = fmaf(alpha, a[u], b[u]);
        store<V>(y + i, b);
    }
}
NVIT_BOTH(nvit_axpy, axpyK, (float alpha, const float* x, float* y, long long n), (alpha, x, y, n))

template <int V> __device__ void mulK(const float* a, const float* b, float* out, long long n) {
    NVIT_GROUPS(i, n, V) {
        float x[V], y[V];
        load<V>(a + i, x); load<V>(b + i, y);
        for (int u = 0; u < V; u++) x[u] *= y[u];
        store<V>(out + i, x);
    }
}
NVIT_BOTH(nvit_mul, mulK, (const float* a, const float* b, float* out, long long n), (a, b, out, n))

template <int V> __device__ void scaleK(const float* a, float s, float* out, long long n) {
    NVIT_GROUPS(i, n, V) {
        float x[V];
        load<V>(a + i, x);
        for (int u = 0; u < V; u++) x[u] = s * x[u];
        store<V>(out + i, x);
    }
}
NVIT_BOTH(nvit_scale, scaleK, (const float* a, float s, float* out, long long n), (a, s, out, n))

template <int V> __device__ void geluK(const float* x, float* y, long long n) {
    NVIT_GROUPS(i, n, V) {
        float a[V];
        load<V>(x + i, a);
        for (int u = 0; u < V; u++) a[u] = geluExact(a[u]);
        store<V>(y + i, a);
    }
}
NVIT_BOTH(nvit_gelu, geluK, (const float* x, float* y, long long n), (x, y, n))

// gx = gy * (Phi(x) + x * phi(x)); gx may alias gy.
template <int V> __device__ void geluBackwardK(const float* x, const float* gy, float* gx, long long n) {
    NVIT_GROUPS(i, n, V) {
        float a[V], g[V];
        load<V>(x + i, a); load<V>(gy + i, g);
        for (int u = 0; u < V; u++) g[u] *= geluGrad(a[u]);
        store<V>(gx + i, g);
    }
}
NVIT_BOTH(nvit_gelu_backward, geluBackwardK, (const float* x, const float* gy, float* gx, long long n), (x, gy, gx, n))

// x [rows, cols] += bias [cols], in place.
template <int V> __device__ void addBiasK(float* x, const float* __restrict__ bias, long long rows, int cols) {
    NVIT_ROWS(r, rows) NVIT_COLS(j, cols, V) {
        float a[V], b[V];
        load<V>(x + r * cols + j, a); load<V>(bias + j, b);
        for (int u = 0; u < V; u++) a[u] += b[u];
        store<V>(x + r * cols + j, a);
    }
}
NVIT_BOTH(nvit_add_bias, addBiasK, (float* x, const float* __restrict__ bias, long long rows, int cols), (x, bias, rows, cols))

// Fused bias + GELU: pre = x + bias (saved for the backward pass when pre != null; may be x), y = GELU(pre).
template <int V> __device__ void biasGeluK(const float* x, const float* __restrict__ bias, float* pre, float* y,
                                           long long rows, int cols) {
    NVIT_ROWS(r, rows) NVIT_COLS(j, cols, V) {
        float a[V], b[V];
        load<V>(x + r * cols + j, a); load<V>(bias + j, b);
        for (int u = 0; u < V; u++) a[u] += b[u];
        if (pre) store<V>(pre + r * cols + j, a);
        for (int u = 0; u < V; u++) a[u] = geluExact(a[u]);
        store<V>(y + r * cols + j, a);
    }
}
NVIT_BOTH(nvit_bias_gelu, biasGeluK, (const float* x, const float* __restrict__ bias, float* pre, float* y, long long rows,
                           int cols), (x, bias, pre, y, rows, cols))

// A pre-norm block's residual update: out = res + s_b * (y + bias), rows of `cols` columns, rowsPerSample rows per
// sample b. s_b is the drop-path factor uniformAt(seed, b) >= p ? keep : 0 (Backend.dropoutMask's formula, also
// written to mask[b] by the sample's first row) when p > 0, else 1. out may alias res.
template <int V> __device__ void biasResidualK(const float* res, const float* y, const float* __restrict__ bias,
                                               float p, float keep, unsigned long long seed, float* mask, float* out,
                                               long long rows, int cols, int rowsPerSample) {
    NVIT_ROWS(r, rows) {
        long long b = r / rowsPerSample; // one division per row
        float s = p > 0.f ? (uniformAt(seed, (unsigned long long)b) >= p ? keep : 0.f) : 1.f;
        if (p > 0.f && mask && r % rowsPerSample == 0 && blockIdx.x == 0 && threadIdx.x == 0) mask[b] = s;
        NVIT_COLS(j, cols, V) {
            float a[V], c[V], w[V];
            load<V>(res + r * cols + j, a); load<V>(y + r * cols + j, c); load<V>(bias + j, w);
            for (int u = 0; u < V; u++) a[u] += s * (c[u] + w[u]);
            store<V>(out + r * cols + j, a);
        }
    }
}
NVIT_BOTH(nvit_bias_residual, biasResidualK, (const float* res, const float* y, const float* __restrict__ bias, float p, float keep,
                               unsigned long long seed, float* mask, float* out, long long rows, int cols,
                               int rowsPerSample), (res, y, bias, p, keep, seed, mask, out, rows, cols, rowsPerSample))

// y [B, per] = x * sampleScale[b], rows = samples; y may alias x.
template <int V> __device__ void scaleSamplesK(const float* x, const float* __restrict__ sampleScale, float* y,
                                               long long rows, int cols) {
    NVIT_ROWS(r, rows) {
        float s = sampleScale[r];
        NVIT_COLS(j, cols, V) {
            float a[V];
            load<V>(x + r * cols + j, a);
            for (int u = 0; u < V; u++) a[u] = s * a[u];
            store<V>(y + r * cols + j, a);
        }
    }
}
NVIT_BOTH(nvit_scale_samples, scaleSamplesK, (const float* x, const float* __restrict__ sampleScale, float* y, long long rows,
                               int cols), (x, sampleScale, y, rows, cols))

// C_p = beta * C_p for the m x n matrices of a strided batch (rows ldc apart, matrices strideC apart): a GEMM with
// k == 0. beta == 0 writes zeros, so NaN in C does not survive (as cuBLAS's beta == 0 rule).
extern "C" __global__ void nvit_scale_matrices(float* c, float beta, int m, int n, int ldc, long long strideC,
                                               long long rows) {
    NVIT_ROWS(r, rows) {
        long long p = r / m; // one division per row
        float* row = c + p * strideC + (r - p * m) * ldc;
        NVIT_COLS(j, n, 1) row[j] = beta == 0.f ? 0.f : beta * row[j];
    }
}
