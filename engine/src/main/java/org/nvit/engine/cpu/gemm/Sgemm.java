package org.nvit.engine.cpu.gemm;

import org.nvit.engine.Tensor;
import org.nvit.engine.cpu.CpuPool;

/**
 * Single-precision strided-batched GEMM on float arrays (the contract of {@code Backend.gemm}), organised like BLIS:
 * op(B) is packed into NR-column panels, op(A) into MR-row panels per (MC x KC) block, and {@link MicroKernel} updates
 * one MR x NR tile of C per call. Large single matrices share one packed B and split the C tile grid over the pool;
 * batches of small matrices (attention) split over the batch; tiny products skip packing altogether.
 */
public final class Sgemm {
    private Sgemm() {}

    /** Below this many multiply-adds in the whole call, everything runs on the calling thread. */
    static final long PARALLEL_MACS = 1L << 19;
    /** Below this many multiply-adds per matrix, a plain loop beats packing. */
    static final long TINY_MACS = 4096;
    /** Largest shared packed B (floats); wider B is processed in column slabs of this size. */
    static final int SHARED_B_MAX = 1 << 22;

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
        boolean overBatch = macs * batch >= PARALLEL_MACS && CpuPool.threads() > 1
                && (batch >= 2 * CpuPool.threads() || macs < 8 * PARALLEL_MACS) && strideC != 0;
        if (!overBatch && batch > 1 && macs >= PARALLEL_MACS && CpuPool.threads() > 1) {
            for (int p = 0; p < batch; p++)
                parallel(transA, transB, m, n, k, alpha, a, aOff + (int) (p * strideA), lda,
                        b, bOff + (int) (p * strideB), ldb, beta, c, cOff + (int) (p * strideC), ldc);
            return;
        }
        int chunks = overBatch ? Math.min(batch, 4 * CpuPool.threads()) : 1;
        CpuPool.forEachChunk(chunks, ch -> {
            Workspace ws = Workspace.get();
            int p0 = (int) ((long) batch * ch / chunks), p1 = (int) ((long) batch * (ch + 1) / chunks);
            for (int p = p0; p < p1; p++) {
                int ao = aOff + (int) (p * strideA), bo = bOff + (int) (p * strideB), co = cOff + (int) (p * strideC);
                if (macs <= TINY_MACS) tiny(transA, transB, m, n, k, alpha, a, ao, lda, b, bo, ldb, beta, c, co, ldc);
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

    /** One matrix on the calling thread: B packed (in column slabs if wide) into the thread's own buffer. */
    static void packed(boolean transA, boolean transB, int m, int n, int k, float alpha,
                       float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                       float beta, float[] c, int cOff, int ldc, Workspace ws) {
        int slab = slabWidth(n, k);
        for (int jb = 0; jb < n; jb += slab) {
            int nc = Math.min(slab, n - jb);
            float[] bp = ws.b(Tiles.roundUp(nc, Tiles.NR) * k);
            Packing.packB(transB, b, bOff, ldb, 0, k, jb, nc, bp, 0, k * Tiles.NR);
            Macro.run(transA, k, alpha, a, aOff, lda, bp, jb, beta, c, cOff, ldc, 0, m, jb, jb + nc, ws);
        }
    }

    /** One large matrix over the pool: B packed once (in parallel), then the C tile grid split into tasks. */
    static void parallel(boolean transA, boolean transB, int m, int n, int k, float alpha,
                         float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                         float beta, float[] c, int cOff, int ldc) {
        final int nr = Tiles.NR, mr = Tiles.MR;
        int slab = slabWidth(n, k);
        int target = 4 * CpuPool.threads();
        for (int jb = 0; jb < n; jb += slab) {
            final int jb0 = jb, nc = Math.min(slab, n - jb), panels = (nc + nr - 1) / nr;
            float[] bp = Workspace.get().sharedB(panels * nr * k);
            CpuPool.forRange(panels, (long) k * nr, (q0, q1) -> Packing.packB(transB, b, bOff, ldb, 0, k,
                    jb0 + q0 * nr, Math.min(nc, q1 * nr) - q0 * nr, bp, q0 * nr * k, k * nr));
            int mChunks = Math.min((m + mr - 1) / mr, target);
            int rows = Tiles.roundUp((m + mChunks - 1) / mChunks, mr);
            mChunks = (m + rows - 1) / rows;
            int nChunks = Math.min(panels, (target + mChunks - 1) / mChunks);
            int cols = Tiles.roundUp((nc + nChunks - 1) / nChunks, nr);
            nChunks = (nc + cols - 1) / cols;
            final int mc = mChunks, rw = rows, cl = cols;
            CpuPool.forEachChunk(mChunks * nChunks, t -> {
                int i0 = (t % mc) * rw, j0 = jb0 + (t / mc) * cl;
                Macro.run(transA, k, alpha, a, aOff, lda, bp, jb0, beta, c, cOff, ldc,
                        i0, Math.min(m, i0 + rw), j0, Math.min(jb0 + nc, j0 + cl), Workspace.get());
            });
        }
    }

    /** Widest column slab (a multiple of NR) whose packed B of full depth k fits {@link #SHARED_B_MAX}. */
    private static int slabWidth(int n, int k) {
        int panels = Math.max(1, SHARED_B_MAX / (k * Tiles.NR));
        return (int) Math.min(Tiles.roundUp(n, Tiles.NR), (long) panels * Tiles.NR);
    }
}
