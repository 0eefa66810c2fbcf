// Layout permutes: patchify/unpatchify, splitHeads/mergeHeads, and column-block copies for concat/split along the
// last axis. One thread per destination element (coalesced writes; reads are strided by at most one permutation).
#include "common.cuh"

// Index arithmetic in I: int when every index fits (the usual case: 32-bit divisions are several times cheaper than
// 64-bit ones), long long otherwise; each kernel picks once, for the whole grid.
template <class I>
__device__ void patchifyK(const float* images, float* patches, int c, int h, int w, int p, I n) {
    int gh = h / p, gw = w / p, pp = p * p;
    I cpp = (I)c * pp;
    for (I i = (I)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (I)blockDim.x * gridDim.x) {
        I patch = i / cpp;
        int inPatch = (int)(i - patch * cpp);
        int ch = inPatch / pp, r = inPatch - ch * pp, dy = r / p, dx = r - dy * p;
        I t = patch / gw;
        int px = (int)(patch - t * gw);
        I b = t / gh;
        int py = (int)(t - b * gh);
        patches[i] = images[((b * c + ch) * h + (I)py * p + dy) * w + (I)px * p + dx];
    }
}

// images [B, C, H, W] -> patches [B, gh*gw, C*p*p], patch values in (c, dy, dx) order.
extern "C" __global__ void nvit_patchify(const float* images, float* patches, int c, int h, int w, int p,
                                         long long n) {
    if (n < 0x7fffffffLL) patchifyK<int>(images, patches, c, h, w, p, (int)n);
    else patchifyK<long long>(images, patches, c, h, w, p, n);
}

template <class I>
__device__ void unpatchifyK(const float* patches, float* images, int c, int h, int w, int p, I n) {
    int gh = h / p, gw = w / p;
    for (I i = (I)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (I)blockDim.x * gridDim.x) {
        I t = i / w;
        int x = (int)(i - t * w);
        I t2 = t / h;
        int y = (int)(t - t2 * h);
        I b = t2 / c;
        int ch = (int)(t2 - b * c);
        int py = y / p, px = x / p;
        float v = 0.f;
        if (py < gh && px < gw)
            v = patches[((b * gh * gw + (I)py * gw + px) * c + ch) * p * p + (y - py * p) * p + (x - px * p)];
        images[i] = v;
    }
}

// The adjoint: images (overwritten; pixels outside the patch grid become 0) from patches.
extern "C" __global__ void nvit_unpatchify(const float* patches, float* images, int c, int h, int w, int p,
                                           long long n) {
    if (n < 0x7fffffffLL) unpatchifyK<int>(patches, images, c, h, w, p, (int)n);
    else unpatchifyK<long long>(patches, images, c, h, w, p, n);
}

// x [B, N, H*d] -> out [B, H, N, d].
extern "C" __global__ void nvit_split_heads(const float* x, float* out, int nt, int heads, int d, long long n) {
    NVIT_GRID_STRIDE(i, n) {
        int j = (int)(i % d);
        long long t = i / d;
        int tok = (int)(t % nt);
        t /= nt;
        int h = (int)(t % heads);
        long long b = t / heads;
        out[i] = x[((b * nt + tok) * heads + h) * d + j];
    }
}

// x [B, H, N, d] -> out [B, N, H*d].
extern "C" __global__ void nvit_merge_heads(const float* x, float* out, int nt, int heads, int d, long long n) {
    NVIT_GRID_STRIDE(i, n) {
        int j = (int)(i % d);
        long long t = i / d;
        int h = (int)(t % heads);
        t /= heads;
        int tok = (int)(t % nt);
        long long b = t / nt;
        out[i] = x[((b * heads + h) * nt + tok) * d + j];
    }
}

// Copies a [rows, cols] block: dst[r, dstCol + j] = src[r, srcCol + j], rows srcLd / dstLd elements apart.
extern "C" __global__ void nvit_copy_cols(const float* src, int srcLd, int srcCol, float* dst, int dstLd, int dstCol,
                                          int cols, long long n) {
    NVIT_GRID_STRIDE(i, n) {
        long long r = i / cols;
        int j = (int)(i % cols);
        dst[r * dstLd + dstCol + j] = src[r * srcLd + srcCol + j];
    }
}
