package org.nvit.kernels;

import org.nvit.engine.Tensor;

/**
 * Row-wise CUDA ops: softmax, LayerNorm (plain, residual-fused, channel-masked), column sums and the soft-target
 * cross-entropy (launch geometry here). Reductions over rows are single launches (the last block adds the partials),
 * their geometry a function of the shape only, so that every GPU rounds alike.
 */
final class RowOps {
    /** Rows up to this many columns get one warp each; longer rows one block each. */
    static final int WARP_ROW_MAX = 1024;
    /** Column-sum partials: 32 columns x 8 row lanes per block, at most this many row chunks. */
    static final int MAX_CHUNKS = 64;
    /** The warp-row LayerNorm backward: at most this many blocks (each a partial row of the parameter sums). */
    static final int LN_BLOCKS = 256;

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

    /** Values per lane of a warp row: the smallest of 4, 8, 16, 32 with 32 of them covering n. */
    static int perLane(int n) { return n <= 128 ? 4 : n <= 256 ? 8 : n <= 512 ? 16 : 32; }

    /** The warp-row kernel's name: 16-byte accesses when the row length and every pointer allow (not for 4 per lane). */
    private String warpKernel(String base, int n, Object... ptrs) {
        int per = perLane(n);
        boolean vec = per >= 8 && n % 4 == 0 && CudaBackend.aligned(ptrs);
        return base + per + "v" + (vec ? 4 : 1);
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
        Object[] args = {cb.p(x), cb.p(res), cb.p(sum), cb.p(mask), cb.p(gamma), cb.p(beta), eps, cb.p(y), cb.p(mean),
                cb.p(rstd)};
        if (n <= WARP_ROW_MAX) {
            String k = warpKernel("nvit_layernorm_warp", n, args[0], args[1], args[2], args[4], args[5], args[7]);
            gpu.launch(k, (rows + 7) / 8, 1, 256, 1, cat(args, (long) rows, n));
        } else {
            gpu.launch("nvit_layernorm", rows, 1, rowThreads(n), 1, cat(args, n));
        }
    }

    private static Object[] cat(Object[] a, Object... b) {
        Object[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static void checkMask(Tensor mask, int n) {
        if (mask != null) check(mask.numel() == n, "maskedLayerNorm: mask " + mask + " must have " + n + " elements");
    }

    /** Blocks of the warp-row backward: enough to fill a GPU, at least 16 rows (2 per warp) each. */
    static int lnBlocks(long rows) { return (int) Math.max(1, Math.min(LN_BLOCKS, (rows + 15) / 16)); }

    /**
     * The backward of {@link #layerNorm} without a residual (same mask rules): gx written, or added to when
     * {@code add}; gGamma and gBeta accumulated. gx may alias gy unless add.
     */
    void layerNormBackward(Tensor x, Tensor gy, Tensor gamma, Tensor mask, Tensor mean, Tensor rstd,
                           Tensor gx, Tensor gGamma, Tensor gBeta, boolean add) {
        int n = x.dim(-1), rows = x.rows();
        check(gy.numel() == x.numel() && gx.numel() == x.numel() && gamma.numel() == n && mean.numel() == rows
                && rstd.numel() == rows, "layerNormBackward: shapes " + x + ", " + gy + ", " + gx + ", " + mean);
        check((gGamma == null || gGamma.numel() == n) && (gBeta == null || gBeta.numel() == n),
                "layerNormBackward: parameter gradients " + gGamma + ", " + gBeta + " must have " + n + " elements");
        checkMask(mask, n);
        if (rows == 0 || n == 0) return;
        if (n <= WARP_ROW_MAX) { // one launch: gx and the parameter sums
            int blocks = lnBlocks(rows), per = (rows + blocks - 1) / blocks;
            long bytes = 4L * blocks * n;
            DevPtr pg = cb.scratch(bytes), pb = cb.scratch(bytes);
            String k = warpKernel("nvit_layernorm_backward_warp", n, cb.p(x), cb.p(gy), cb.p(gamma), cb.p(gx));
            gpu.launch(k, blocks, 1, 256, 1, cb.p(x), cb.p(gy), cb.p(gamma), cb.p(mask), cb.p(mean), cb.p(rstd),
                    cb.p(gx), add ? 1 : 0, pg, pb, cb.p(gGamma), cb.p(gBeta), (long) rows, n, per,
                    cb.ticket(CudaBackend.TICKET_LN_PARAMS));
            cb.releaseScratch(pg, bytes);
            cb.releaseScratch(pb, bytes);
            return;
        }
        // The parameter sums go first: they read gy, which gx may alias (stream order keeps them before the write).
        if (gGamma != null || gBeta != null) {
            int chunks = chunks(rows), per = (rows + chunks - 1) / chunks;
            long bytes = 4L * chunks * n;
            DevPtr pg = cb.scratch(bytes), pb = cb.scratch(bytes);
            gpu.launch("nvit_layernorm_backward_params", (n + 31) / 32, chunks, 32, 8, cb.p(x), cb.p(gy), cb.p(mask),
                    cb.p(mean), cb.p(rstd), pg, pb, cb.p(gGamma), cb.p(gBeta), (long) rows, n, per,
                    cb.ticket(CudaBackend.TICKET_LN_PARAMS));
            cb.releaseScratch(pg, bytes);
            cb.releaseScratch(pb, bytes);
        }
        gpu.launch("nvit_layernorm_backward_x", rows, 1, rowThreads(n), 1, cb.p(x), cb.p(gy), cb.p(gamma),
                cb.p(mask), cb.p(mean), cb.p(rstd), cb.p(gx), add ? 1 : 0, n);
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
        gpu.launch("nvit_sum_rows", (n + 31) / 32, chunks, 32, 8, cb.p(x), part, cb.p(out), rows, n, per,
                accumulate ? 1 : 0, cb.ticket(CudaBackend.TICKET_SUM_ROWS));
        cb.releaseScratch(part, bytes);
    }

    /** The soft-target cross-entropy, its mean loss written to loss [1] on the device (one launch). */
    void crossEntropy(Tensor logits, Tensor targets, Tensor grad, float gradScale, Tensor loss) {
        check(logits.numel() == targets.numel() && (grad == null || grad.numel() == logits.numel()) && loss.numel() == 1,
                "crossEntropySoft: " + logits + ", " + targets + ", " + grad + ", loss " + loss);
        int n = logits.dim(-1), rows = logits.rows();
        if (rows == 0) {
            cb.fill(loss, Float.NaN);
            return;
        }
        long bytes = 4L * rows;
        DevPtr perRow = cb.scratch(bytes);
        gpu.launch("nvit_cross_entropy_soft", rows, 1, rowThreads(n), 1, cb.p(logits), cb.p(targets), perRow,
                cb.p(grad), gradScale, cb.p(loss), (long) rows, n, cb.ticket(CudaBackend.TICKET_CROSS_ENTROPY));
        cb.releaseScratch(perRow, bytes);
    }

    /** The host-returning form: the device computes the mean, one float comes back. */
    double crossEntropySoft(Tensor logits, Tensor targets, Tensor grad, float gradScale) {
        if (logits.rows() == 0) return Double.NaN;
        DevPtr loss = cb.scratch(4);
        Tensor t = new Tensor(new CudaStorage(gpu, loss, 1, () -> {}), 0, 1);
        crossEntropy(logits, targets, grad, gradScale, t);
        float[] v = new float[1];
        gpu.download(loss, v, 0, 1);
        cb.releaseScratch(loss, 4);
        return v[0];
    }
}
