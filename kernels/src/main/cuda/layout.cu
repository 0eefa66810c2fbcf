// Layout permutes: patchify/unpatchify, splitHeads/mergeHeads, and column-block copies for concat/split along the
// last axis. One thread per destination element (coalesced writes; reads are strided by at most one permutation).
#include "common.cuh"

// images [B, C, H, W] -> patches [B, gh*gw, C*p*p], patch values in (c, dy, dx) order.
extern "C" __global__ void nvit_patchify(const float* images, float* patches, int c, int h, int w, int p,
                                         long long n) {
    int gh = h / p, gw = w / p, pp = p * p;
    NVIT_GRID_STRIDE(i, n) {
        int inPatch = (int)(i % ((long long)c * pp));
        long long patch = i / ((long long)c * pp);
        int ch = inPatch / pp, dy = (inPatch % pp) / p, dx = inPatch % p;
        int px = (int)(patch % gw);
        long long t = patch / gw;
        int py = (int)(t % gh);
        long long b = t / gh;
        patches[i] = images[((b * c + ch) * h + (long long)py * p + dy) * w + (long long)px * p + dx];
    }
}

// The adjoint: images (overwritten; pixels outside the patch grid become 0) from patches.
extern "C" __global__ void nvit_unpatchify(const float* patches, float* images, int c, int h, int w, int p,
                                           long long n) {
    int gh = h / p, gw = w / p;
    NVIT_GRID_STRIDE(i, n) {
        int x = (int)(i % w);
        long long t = i / w;
        int y = (int)(t % h);
        t /= h;
        int ch = (int)(t % c);
        long long b = t / c;
        int py = y / p, px = x / p;
        float v = 0.f;
        if (py < gh && px < gw)
            v = patches[((b * gh * gw + (long long)py * gw + px) * c + ch) * p * p + (y % p) * p + (x % p)];
        images[i] = v;
    }
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
