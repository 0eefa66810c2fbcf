package org.nvit.engine.cpu.gemm;

import org.nvit.engine.Tensor;
import org.nvit.engine.cpu.CpuPool;

/**
 * Single-precision strided-batched GEMM on float arrays (the contract of {@code Backend.gemm}), organised like BLIS:
 * op(B) is packed into NR-column panels, op(A) into MR-row panels per (MC x KC) block, and {@link MicroKernel} updates
 * one MR x NR tile of C per call. Large single matrices split C into row or column blocks over the pool;
 * batches of small matrices (attention) split over the batch; tiny products skip packing altogether.
 */
public final class Sgemm {
    private Sgemm() {}

    /** Below this many multiply-adds in the whole call, everything runs on the calling thread. */
    static final long PARALLEL_MACS = 1L << 21;
    /**
     * A batch of independent products splits over the pool from this much work on: no task shares packed panels, so
     * the split pays off sooner (one head's products over a batch of 128 images of 17 tokens are ~1.2M MACs).
     */
    static final long PARALLEL_BATCH_MACS = 1L << 18;
    /** Below this many multiply-adds per matrix, a plain loop beats packing. */
    static final long TINY_MACS = 4096;
    /** The unpacked {@link SmallGemm} path for small products ({@code -Dnvit.gemm.small=false}: packed, to compare). */
    static final boolean SMALL = !"false".equals(System.getProperty("nvit.gemm.small"));

    /** {@code Backend.gemm} on CPU F32 tensors: offsets and strides count elements of each view. */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            Tensor a, int lda, long strideA, Tensor b, int ldb, long strideB,
                            float beta, Tensor c, int ldc, long strideC, int batch) {
        Bounds.check(transA, transB, m, n, k, a.numel(), lda, strideA, b.numel(), ldb, strideB,
                c.numel(), ldc, strideC, batch);
        gemm(transA, transB, m, n, k, alpha, a.floats(), a.off(), lda, strideA, b.floats(), b.off(), ldb, strideB,
                beta, c.floats(), c.off(), ldc, strideC, batch);
    }

    /** The same on raw arrays: matrix p of A starts at {@code a[aOff + p*strideA]}, and so on. */
    public static void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
                            float[] a, int aOff, int lda, long strideA,
                            float[] b, int bOff, int ldb, long strideB,
                            float beta, float[] c, int cOff, int ldc, long strideC, int batch) {
        Bounds.check(transA, transB, m, n, k, a.length - (long) aOff, lda, strideA, b.length - (long) bOff, ldb,
                strideB, c.length - (long) cOff, ldc, strideC, batch);
        if (m == 0 || n == 0 || batch == 0) return;
        if (k == 0 || alpha == 0f) {
            for (int p = 0; p < batch; p++) scale(m, n, beta, c, cOff + (int) (p * strideC), ldc);
            return;
        }
        long macs = (long) m * n * k;
        if (batch == 1 && macs >= PARALLEL_MACS && CpuPool.threads() > 1) {
            parallel(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
            return;
        }
        boolean overBatch = macs * batch >= PARALLEL_BATCH_MACS && CpuPool.threads() > 1
                && (batch >= 2 * CpuPool.threads() || macs < 8 * PARALLEL_MACS) && strideC != 0;
        if (!overBatch && batch > 1 && macs >= PARALLEL_MACS && CpuPool.threads() > 1) {
            for (int p = 0; p < batch; p++)
                parallel(transA, transB, m, n, k, alpha, a, aOff + (int) (p * strideA), lda,
                        b, bOff + (int) (p * strideB), ldb, beta, c, cOff + (int) (p * strideC), ldc);
            return;
        }
        int chunks = overBatch ? Math.min(batch, 4 * CpuPool.threads()) : 1;
        boolean small = SMALL && SmallGemm.suits(m, n, k);
        CpuPool.forEachChunk(chunks, ch -> {
            Workspace ws = Workspace.get();
            int p0 = (int) ((long) batch * ch / chunks), p1 = (int) ((long) batch * (ch + 1) / chunks);
            for (int p = p0; p < p1; p++) {
                int ao = aOff + (int) (p * strideA), bo = bOff + (int) (p * strideB), co = cOff + (int) (p * strideC);
                if (macs <= TINY_MACS) tiny(transA, transB, m, n, k, alpha, a, ao, lda, b, bo, ldb, beta, c, co, ldc);
                else if (small) SmallGemm.run(transA, transB, m, n, k, alpha, a, ao, lda, b, bo, ldb, beta, c, co, ldc, ws);
                else packed(transA, transB, m, n, k, alpha, a, ao, lda, b, bo, ldb, beta, c, co, ldc, ws);
            }
        });
    }

    /** C = beta * C (beta == 0 writes zeros without reading C). */
    static void scale(int m, int n, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * ldc;
            if (beta == 0f) java.util.Arrays.fill(c, ci, ci + n, 0f);
            else if (beta != 1f) for (int j = 0; j < n; j++) c[ci + j] *= beta;
        }
    }

    /** The unpacked path for tiny products: one dot product per element of C. */
    static void tiny(boolean transA, boolean transB, int m, int n, int k, float alpha,
                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                     float beta, float[] c, int cOff, int ldc) {
        int ai = transA ? 1 : lda, al = transA ? lda : 1;   // A(i,l) = a[aOff + i*ai + l*al]
        int bj = transB ? ldb : 1, bl = transB ? 1 : ldb;   // B(l,j) = b[bOff + l*bl + j*bj]
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0f;
                int x = aOff + i * ai, y = bOff + j * bj;
                for (int l = 0; l < k; l++, x += al, y += bl) s += a[x] * b[y];
                int ci = cOff + i * ldc + j;
                c[ci] = beta == 0f ? alpha * s : alpha * s + beta * c[ci];
            }
        }
    }

    /** One matrix on the calling thread. */
    static void packed(boolean transA, boolean transB, int m, int n, int k, float alpha,
                       float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                       float beta, float[] c, int cOff, int ldc, Workspace ws) {
        Macro.run(transA, transB, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, 0, m, 0, n, ws);
    }

    /**
     * One large matrix over the pool. C is cut along its longer side, so the operand that every task must read in
     * full is the smaller one: a wide C splits its columns (each task packs only its own part of B and reads A in
     * place), a tall C splits its rows (each task packs all of B, which is then the small operand).
     */
    static void parallel(boolean transA, boolean transB, int m, int n, int k, float alpha,
                         float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                         float beta, float[] c, int cOff, int ldc) {
        int threads = CpuPool.threads();
        boolean splitN = n >= m;
        int unit = splitN ? Tiles.NR : Tiles.MR, len = splitN ? n : m;
        // More tasks than threads let an idle worker steal from one slowed down by another process, but every
        // row task packs all of B again: only very tall products (B packing < ~1 % of the work) get extra tasks.
        int tasks = splitN ? threads : threads * Math.max(1, Math.min(4, m / 16384));
        int step = Tiles.roundUp((len + tasks - 1) / tasks, unit);
        int count = (len + step - 1) / step;
        CpuPool.forEachChunk(count, t -> {
            int from = t * step, to = Math.min(len, from + step);
            Workspace ws = Workspace.get();
            if (splitN) Macro.run(transA, transB, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, 0, m, from, to, ws);
            else Macro.run(transA, transB, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, from, to, 0, n, ws);
        });
    }
}
