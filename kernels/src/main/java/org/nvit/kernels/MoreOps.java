package org.nvit.kernels;

import org.nvit.engine.Tensor;

/** Layout permutes and dropout/drop-path on the GPU. */
final class MoreOps {
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
        long per = x.numel() / Math.max(1, x.dim(0));
        cb.rowwise("nvit_scale_samples", x.dim(0), Math.toIntExact(per), cb.p(x), cb.p(sampleScale), cb.p(y),
                (long) x.dim(0), (int) per);
    }
}
