package org.nvit.kernels;

import org.nvit.engine.Tensor;

/**
 * Row-wise CUDA ops: softmax, LayerNorm (plain, residual-fused, channel-masked), column sums and the soft-target
 * cross-entropy (launch geometry here).
 */
final class RowOps {
    /** Rows up to this many columns get one warp each; longer rows one block each. */
    static final int WARP_ROW_MAX = 1024;
    /** Column-sum partials: 32 columns x 8 row lanes per block, at most this many row chunks. */
    static final int MAX_CHUNKS = 256;

    private final CudaBackend cb;
    private final Gpu gpu;

    RowOps(CudaBackend cb) {
        this.cb = cb;
        this.gpu = cb.gpu;
    }

    /** Threads for a block-per-row launch: a multiple of 32, at most 512, about one element per thread. */
    static int rowThreads(int n) { return Math.max(32, Math.min(512, (n + 31) / 32 * 32)); }

    private static void check(boolean ok, String msg) { if (!ok) throw new IllegalArgumentException(msg); }

    void softmax(Tensor x, float scale, Tensor y) {
        check(x.numel() == y.numel(), "softmax: " + x + " vs " + y);
        rowKernel("nvit_softmax", x.rows(), x.dim(-1), cb.p(x), cb.p(y), scale);
    }

    void softmaxBackward(Tensor y, Tensor gy, float scale, Tensor gx) {
        check(y.numel() == gy.numel() && y.numel() == gx.numel(), "softmaxBackward: " + y + ", " + gy + ", " + gx);
        rowKernel("nvit_softmax_backward", y.rows(), y.dim(-1), cb.p(y), cb.p(gy), cb.p(gx), scale);
    }

    /** Launches the warp-per-row or block-per-row variant; the kernels end with (rows, n). */
    private void rowKernel(String base, long rows, int n, Object... args) {
        if (rows == 0 || n == 0) return;
        Object[] all = java.util.Arrays.copyOf(args, args.length + 2);
        all[args.length] = rows;
        all[args.length + 1] = n;
        if (n <= WARP_ROW_MAX) gpu.launch(base + "_warp", Math.toIntExact((rows + 7) / 8), 1, 256, 1, all);
        else gpu.launch(base + "_block", Math.toIntExact(rows), 1, rowThreads(n), 1, all);
    }

    /**
     * LayerNorm, plain (mask null) or over the channels a 0/1 mask [n] keeps. The mask is not validated on the
     * device (that would cost a host round trip per call): any non-zero entry counts as kept, and a mask keeping no
     * channel gives y = 0 with NaN mean and rstd (the CPU backends reject both).
     */
    void layerNorm(Tensor x, Tensor res, Tensor sum, Tensor mask, Tensor gamma, Tensor beta, float eps,
                   Tensor y, Tensor mean, Tensor rstd) {
        int n = x.dim(-1), rows = x.rows();
        check(y.numel() == x.numel() && gamma.numel() == n && beta.numel() == n && mean.numel() == rows
                && rstd.numel() == rows, "layerNorm: shapes " + x + ", " + gamma + ", " + y + ", " + mean);
        if (res != null) check(res.numel() == x.numel() && sum != null && sum.numel() == x.numel(),
                "addLayerNorm: residual " + res + " and sum " + sum + " must match " + x);
        checkMask(mask, n);
        if (rows == 0 || n == 0) return;
        gpu.launch("nvit_layernorm", rows, 1, rowThreads(n), 1, cb.p(x), cb.p(res), cb.p(sum), cb.p(mask),
                cb.p(gamma), cb.p(beta), eps, cb.p(y), cb.p(mean), cb.p(rstd), n);
    }

    private static void checkMask(Tensor mask, int n) {
        if (mask != null) check(mask.numel() == n, "maskedLayerNorm: mask " + mask + " must have " + n + " elements");
    }

    /** The backward of {@link #layerNorm} without a residual (same mask rules); gx may alias gy. */
    void layerNormBackward(Tensor x, Tensor gy, Tensor gamma, Tensor mask, Tensor mean, Tensor rstd,
                           Tensor gx, Tensor gGamma, Tensor gBeta) {
        int n = x.dim(-1), rows = x.rows();
        check(gy.numel() == x.numel() && gx.numel() == x.numel() && gamma.numel() == n && mean.numel() == rows
                && rstd.numel() == rows, "layerNormBackward: shapes " + x + ", " + gy + ", " + gx + ", " + mean);
        check((gGamma == null || gGamma.numel() == n) && (gBeta == null || gBeta.numel() == n),
                "layerNormBackward: parameter gradients " + gGamma + ", " + gBeta + " must have " + n + " elements");
        checkMask(mask, n);
        if (rows == 0 || n == 0) return;
        // The parameter sums go first: they read gy, which gx may alias (stream order keeps them before the write).
        if (gGamma != null || gBeta != null) {
            int chunks = chunks(rows), per = (rows + chunks - 1) / chunks;
            long bytes = 4L * chunks * n;
            DevPtr pg = cb.scratch(bytes), pb = cb.scratch(bytes);
            gpu.launch("nvit_layernorm_backward_params_partial", (n + 31) / 32, chunks, 32, 8, cb.p(x), cb.p(gy),
                    cb.p(mask), cb.p(mean), cb.p(rstd), pg, pb, (long) rows, n, per);
            int g2 = (n + 255) / 256;
            if (gGamma != null) gpu.launch("nvit_sum_partials", g2, 1, 256, 1, pg, cb.p(gGamma), chunks, n, 1);
            if (gBeta != null) gpu.launch("nvit_sum_partials", g2, 1, 256, 1, pb, cb.p(gBeta), chunks, n, 1);
            cb.releaseScratch(pg, bytes);
            cb.releaseScratch(pb, bytes);
        }
        gpu.launch("nvit_layernorm_backward_x", rows, 1, rowThreads(n), 1, cb.p(x), cb.p(gy), cb.p(gamma),
                cb.p(mask), cb.p(mean), cb.p(rstd), cb.p(gx), n);
    }

    /** Row chunks for a column reduction: enough blocks to fill the GPU, at least 32 rows per chunk. */
    static int chunks(long rows) { return (int) Math.max(1, Math.min(MAX_CHUNKS, (rows + 31) / 32)); }

    void sumRows(Tensor x, Tensor out, boolean accumulate) {
        int n = Math.toIntExact(out.numel());
        check(n > 0 && x.numel() % n == 0, "sumRows: " + out + " does not divide " + x);
        long rows = x.numel() / n;
        int chunks = chunks(rows), per = (int) ((rows + chunks - 1) / chunks);
        long bytes = 4L * chunks * n;
        DevPtr part = cb.scratch(bytes);
        gpu.launch("nvit_sum_rows_partial", (n + 31) / 32, chunks, 32, 8, cb.p(x), part, rows, n, per);
        gpu.launch("nvit_sum_partials", (n + 255) / 256, 1, 256, 1, part, cb.p(out), chunks, n, accumulate ? 1 : 0);
        cb.releaseScratch(part, bytes);
    }

    double crossEntropySoft(Tensor logits, Tensor targets, Tensor grad, float gradScale) {
        check(logits.numel() == targets.numel() && (grad == null || grad.numel() == logits.numel()),
                "crossEntropySoft: " + logits + ", " + targets + ", " + grad);
        int n = logits.dim(-1), rows = logits.rows();
        if (rows == 0) return Double.NaN;
        long bytes = 4L * rows;
        DevPtr loss = cb.scratch(bytes);
        gpu.launch("nvit_cross_entropy_soft", rows, 1, rowThreads(n), 1, cb.p(logits), cb.p(targets), loss,
                cb.p(grad), gradScale, (long) rows, n);
        float[] perRow = new float[rows];
        gpu.download(loss, perRow, 0, rows);
        cb.releaseScratch(loss, bytes);
        double total = 0;
        for (float v : perRow) total += v;
        return total / rows;
    }
}
