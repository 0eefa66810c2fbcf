package org.nvit.kernels;

import org.nvit.engine.Tensor;

/** Layout permutes, dropout/drop-path and the multi-tensor AdamW on the GPU. */
final class MoreOps {
    /** AdamW chunk: elements per block of the multi-tensor launch. */
    static final int ADAM_CHUNK = 16384;

    private final CudaBackend cb;
    private final Gpu gpu;

    MoreOps(CudaBackend cb) {
        this.cb = cb;
        this.gpu = cb.gpu;
    }

    private void elementwise(String kernel, long n, Object... args) {
        if (n > 0) gpu.launch(kernel, gpu.elementwiseBlocks(n), 1, 256, 1, args);
    }

    private static void check(boolean ok, String msg) { if (!ok) throw new IllegalArgumentException(msg); }

    void patchify(Tensor images, int p, Tensor patches) {
        int c = images.dim(1), h = images.dim(2), w = images.dim(3);
        long expect = (long) images.dim(0) * (h / p) * (w / p) * c * p * p;
        check(patches.numel() == expect, "patchify: " + patches + " does not hold the patches of " + images);
        elementwise("nvit_patchify", expect, cb.p(images), cb.p(patches), c, h, w, p, expect);
    }

    void unpatchify(Tensor patches, int p, Tensor images) {
        int c = images.dim(1), h = images.dim(2), w = images.dim(3);
        check(patches.numel() == (long) images.dim(0) * (h / p) * (w / p) * c * p * p,
                "unpatchify: " + patches + " does not match " + images);
        elementwise("nvit_unpatchify", images.numel(), cb.p(patches), cb.p(images), c, h, w, p, images.numel());
    }

    void concatLast(Tensor[] parts, Tensor out) {
        int total = out.dim(-1), col = 0;
        for (Tensor part : parts) col += part.dim(-1);
        check(col == total, "parts sum to " + col + " columns, out has " + total);
        col = 0;
        for (Tensor part : parts) {
            int n = part.dim(-1);
            check(part.rows() == out.rows(), "concatLast: " + part + " vs " + out);
            long cnt = (long) part.rows() * n;
            elementwise("nvit_copy_cols", cnt, cb.p(part), n, 0, cb.p(out), total, col, n, cnt);
            col += n;
        }
    }

    void splitLast(Tensor in, Tensor[] parts) {
        int total = in.dim(-1), col = 0;
        for (Tensor part : parts) col += part.dim(-1);
        check(col == total, "parts sum to " + col + " columns, input has " + total);
        col = 0;
        for (Tensor part : parts) {
            int n = part.dim(-1);
            check(part.rows() == in.rows(), "splitLast: " + part + " vs " + in);
            long cnt = (long) part.rows() * n;
            elementwise("nvit_copy_cols", cnt, cb.p(in), total, col, cb.p(part), n, 0, n, cnt);
            col += n;
        }
    }

    void splitHeads(Tensor x, int heads, Tensor out) {
        check(x.rank() == 3 && x.dim(2) % heads == 0 && out.numel() == x.numel(), "splitHeads: " + x + " -> " + out);
        elementwise("nvit_split_heads", x.numel(), cb.p(x), cb.p(out), x.dim(1), heads, x.dim(2) / heads, x.numel());
    }

    void mergeHeads(Tensor x, Tensor out) {
        check(x.rank() == 4 && out.numel() == x.numel(), "mergeHeads: " + x + " -> " + out);
        elementwise("nvit_merge_heads", x.numel(), cb.p(x), cb.p(out), x.dim(2), x.dim(1), x.dim(3), x.numel());
    }

    void dropoutMask(float p, long seed, Tensor mask) {
        float keep = (float) (1.0 / (1.0 - p)); // as the CPU backends round it
        elementwise("nvit_dropout_mask", mask.numel(), cb.p(mask), p, keep, seed, mask.numel());
    }

    void scaleSamples(Tensor x, Tensor sampleScale, Tensor y) {
        check(x.numel() == y.numel() && sampleScale.numel() >= x.dim(0), "scaleSamples: " + x + ", " + sampleScale);
        long per = x.numel() / x.dim(0);
        elementwise("nvit_scale_samples", x.numel(), cb.p(x), cb.p(sampleScale), cb.p(y), x.numel(), per);
    }

    void adamwMulti(Tensor[] ps, Tensor[] gs, Tensor[] ms, Tensor[] vs, float lr, float beta1, float beta2,
                    float eps, float weightDecay, int step) {
        int t = ps.length;
        check(gs.length == t && ms.length == t && vs.length == t, "adamwMulti: array lengths differ");
        long[] table = chunkTable(ps, gs, ms, vs);
        int chunks = table.length / 2;
        if (chunks == 0) return;
        long[] ptrs = new long[4 * t];
        for (int i = 0; i < t; i++) {
            ptrs[i] = cb.p(ps[i]).address();
            ptrs[t + i] = cb.p(gs[i]).address();
            ptrs[2 * t + i] = cb.p(ms[i]).address();
            ptrs[3 * t + i] = cb.p(vs[i]).address();
        }
        long pBytes = 8L * ptrs.length, cBytes = 8L * table.length;
        DevPtr dPtrs = cb.scratch(pBytes), dChunks = cb.scratch(cBytes);
        gpu.uploadLongs(ptrs, dPtrs);
        gpu.uploadLongs(table, dChunks);
        float bc1 = (float) (1 - Math.pow(beta1, step)), bc2 = (float) (1 - Math.pow(beta2, step));
        gpu.launch("nvit_adamw_multi", chunks, 1, 256, 1, dPtrs, dPtrs.plus(8L * t), dPtrs.plus(16L * t),
                dPtrs.plus(24L * t), dChunks, lr, beta1, beta2, eps, weightDecay, bc1, bc2);
        cb.releaseScratch(dPtrs, pBytes);
        cb.releaseScratch(dChunks, cBytes);
    }

    /**
     * The chunk table of the multi-tensor launch, two longs per chunk matching the kernel's struct
     * {int tensor; int length; long long start} on little-endian x86-64/ARM64.
     */
    static long[] chunkTable(Tensor[] ps, Tensor[] gs, Tensor[] ms, Tensor[] vs) {
        long total = 0;
        for (int i = 0; i < ps.length; i++) {
            long n = ps[i].numel();
            if (gs[i].numel() != n || ms[i].numel() != n || vs[i].numel() != n)
                throw new IllegalArgumentException("adamw: parameter " + i + " " + ps[i] + " and its grad/state differ");
            total += (n + ADAM_CHUNK - 1) / ADAM_CHUNK;
        }
        long[] table = new long[Math.toIntExact(2 * total)];
        int c = 0;
        for (int i = 0; i < ps.length; i++) {
            long n = ps[i].numel();
            for (long s = 0; s < n; s += ADAM_CHUNK, c++) {
                long len = Math.min(ADAM_CHUNK, n - s);
                table[2 * c] = (i & 0xffffffffL) | (len << 32);
                table[2 * c + 1] = s;
            }
        }
        return table;
    }
}
