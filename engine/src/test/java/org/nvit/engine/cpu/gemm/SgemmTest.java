package org.nvit.engine.cpu.gemm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.engine.cpu.CpuBackend;
import org.nvit.engine.ref.ReferenceBackend;

/**
 * Compares the CPU GEMM with {@link ReferenceBackend#gemm} (double accumulation) on random operands: all transpose
 * combinations, alpha/beta, padded leading dimensions, batches, sizes that are not multiples of the tile, and each
 * of the four code paths (tiny, small unpacked, packed on one thread, parallel) on the same shapes.
 */
class SgemmTest {
    private static final ReferenceBackend REF = ReferenceBackend.INSTANCE;

    enum Path { DISPATCH, TINY, SMALL, PACKED, PARALLEL }

    /** One randomised case; returns nothing, asserts max|got-ref| <= 1e-5 max|ref| over all of C (padding too). */
    static void check(Path path, boolean ta, boolean tb, int m, int n, int k, float alpha, float beta,
                      int pad, int batch, long seed) {
        Rng rng = new Rng(seed);
        int lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
        long sa = (long) (ta ? k : m) * lda + pad, sb = (long) (tb ? n : k) * ldb + pad, sc = (long) m * ldc + pad;
        Tensor a = Tensor.rand(DType.F32, rng, -1, 1, (int) Math.max(1, sa * batch));
        Tensor b = Tensor.rand(DType.F32, rng, -1, 1, (int) Math.max(1, sb * batch));
        Tensor c = Tensor.rand(DType.F32, rng, -1, 1, (int) Math.max(1, sc * batch));
        if (beta == 0) Arrays.fill(c.floats(), Float.NaN);   // must not be read
        Tensor want = c.copy();
        REF.gemm(ta, tb, m, n, k, alpha, a, lda, sa, b, ldb, sb, beta, want, ldc, sc, batch);
        float[] A = a.floats(), B = b.floats(), C = c.floats();
        switch (path) {
            case DISPATCH -> CpuBackend.instance().gemm(ta, tb, m, n, k, alpha, a, lda, sa, b, ldb, sb, beta, c, ldc, sc, batch);
            case TINY -> { for (int p = 0; p < batch; p++)
                Sgemm.tiny(ta, tb, m, n, k, alpha, A, (int) (p * sa), lda, B, (int) (p * sb), ldb, beta, C, (int) (p * sc), ldc); }
            case SMALL -> { for (int p = 0; p < batch; p++)
                SmallGemm.run(ta, tb, m, n, k, alpha, A, (int) (p * sa), lda, B, (int) (p * sb), ldb, beta, C, (int) (p * sc), ldc,
                        Workspace.get()); }
            case PACKED -> { for (int p = 0; p < batch; p++)
                Sgemm.packed(ta, tb, m, n, k, alpha, A, (int) (p * sa), lda, B, (int) (p * sb), ldb, beta, C, (int) (p * sc), ldc,
                        Workspace.get()); }
            case PARALLEL -> { for (int p = 0; p < batch; p++)
                Sgemm.parallel(ta, tb, m, n, k, alpha, A, (int) (p * sa), lda, B, (int) (p * sb), ldb, beta, C, (int) (p * sc), ldc); }
        }
        assertClose(want.floats(), C, String.format("%s ta=%b tb=%b m=%d n=%d k=%d alpha=%g beta=%g pad=%d batch=%d",
                path, ta, tb, m, n, k, alpha, beta, pad, batch));
    }

    static void assertClose(float[] want, float[] got, String what) {
        double maxRef = 0, maxErr = 0;
        for (int i = 0; i < want.length; i++) {
            if (Float.isNaN(want[i])) {   // untouched NaN padding must stay NaN, nothing else may be NaN
                assertTrue(Float.isNaN(got[i]), what + ": padding at " + i + " was overwritten");
                continue;
            }
            assertTrue(Float.isFinite(got[i]), what + ": non-finite " + got[i] + " at " + i);
            maxRef = Math.max(maxRef, Math.abs(want[i]));
            maxErr = Math.max(maxErr, Math.abs(got[i] - want[i]));
        }
        assertTrue(maxErr <= 1e-5 * maxRef, what + ": max|got-ref| = " + maxErr + " > 1e-5 * " + maxRef);
    }

    private static final int[][] SHAPES = {
            {1, 1, 1}, {7, 7, 7}, {1, 65, 31}, {17, 31, 33}, {33, 63, 65}, {63, 17, 1}, {65, 33, 197},
            {197, 65, 64}, {31, 197, 17}, {8, 32, 256}, {16, 64, 300}, {9, 33, 257}, {511, 7, 33}, {2, 511, 63}, {9, 600, 40}};

    @Test void allTransposesAllPathsOddSizes() {
        long seed = 1;
        for (Path path : Path.values())
            for (int[] s : SHAPES)
                for (int t = 0; t < 4; t++)
                    check(path, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], 1f, 0f, 0, 1, seed++);
    }

    @Test void alphaBetaVariants() {
        long seed = 100;
        float[][] ab = {{1f, 1f}, {-0.5f, 0f}, {0.25f, 0.75f}, {2f, -1f}};
        for (Path path : new Path[] {Path.TINY, Path.SMALL, Path.PACKED, Path.PARALLEL})
            for (float[] x : ab)
                for (int t = 0; t < 4; t++)
                    check(path, (t & 1) != 0, (t & 2) != 0, 37, 45, 300, x[0], x[1], 0, 1, seed++);
    }

    @Test void paddedLeadingDimensionsAndBatches() {
        long seed = 200;
        for (Path path : Path.values())
            for (int t = 0; t < 4; t++) {
                check(path, (t & 1) != 0, (t & 2) != 0, 19, 35, 23, 1f, 0f, 5, 3, seed++);
                check(path, (t & 1) != 0, (t & 2) != 0, 40, 33, 70, 0.5f, 1f, 3, 2, seed++);
            }
    }

    @Test void dispatcherChoosesEachRegime() {
        long seed = 300;
        check(Path.DISPATCH, false, true, 197, 197, 64, 0.125f, 0f, 0, 12, seed++);  // attention q.k^T, over batch
        check(Path.DISPATCH, false, false, 197, 64, 197, 1f, 0f, 0, 12, seed++);     // attention p.v
        check(Path.DISPATCH, false, true, 257, 96, 192, 1f, 1f, 0, 2, seed++);       // big items, parallel each
        check(Path.DISPATCH, true, false, 3, 513, 100, 1f, 0f, 2, 1, seed++);        // short and wide: split over n
        check(Path.DISPATCH, false, false, 4, 4, 4, 1f, 0.5f, 1, 40, seed++);        // tiny items
        for (int t = 0; t < 4; t++)                                                   // small items (17 tokens)
            check(Path.DISPATCH, (t & 1) != 0, (t & 2) != 0, 17, t < 2 ? 17 : 32, t < 2 ? 32 : 17, 0.25f, t % 2, 2, 24, seed++);
    }

    /**
     * Depth beyond one pass (k = 1700: three passes, so beta must be applied once and later passes accumulate), all
     * transposes, alpha and beta. At this depth the float32 sum may drift past 1e-5 relative, so each element is held
     * to the classical forward error bound |err| <= 2 k u (|alpha| sum|a b| + |beta c|) against a double loop.
     */
    @Test void deepProductsWithinForwardErrorBound() {
        int m = 29, n = 70, k = 1700;
        float alpha = 0.5f, beta = 0.75f;
        double u = Math.ulp(1f) / 2;
        for (int t = 0; t < 4; t++) {
            boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
            Rng rng = new Rng(7 + t);
            float[] a = Tensor.rand(DType.F32, rng, -1, 1, m * k).floats(), b = Tensor.rand(DType.F32, rng, -1, 1, k * n).floats();
            float[] c0 = Tensor.rand(DType.F32, rng, -1, 1, m * n).floats(), c = c0.clone();
            Sgemm.parallel(ta, tb, m, n, k, alpha, a, 0, ta ? m : k, b, 0, tb ? k : n, beta, c, 0, n);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = 0, abs = 0;
                    for (int l = 0; l < k; l++) {
                        double p = (double) a[ta ? l * m + i : i * k + l] * b[tb ? j * k + l : l * n + j];
                        s += p;
                        abs += Math.abs(p);
                    }
                    double want = alpha * s + beta * (double) c0[i * n + j];
                    double bound = 2 * k * u * (Math.abs(alpha) * abs + Math.abs(beta * c0[i * n + j]));
                    double err = Math.abs(c[i * n + j] - want);
                    assertTrue(err <= bound, "t=" + t + " (" + i + "," + j + ") err " + err + " > bound " + bound);
                }
        }
    }

    /** Callers on different threads share the pool but must not share pack buffers. */
    @Test void concurrentCallersGetCorrectResults() throws Exception {
        Thread[] ts = new Thread[3];
        Throwable[] err = new Throwable[ts.length];
        for (int t = 0; t < ts.length; t++) {
            final int id = t;
            ts[t] = new Thread(() -> {
                try {
                    for (int r = 0; r < 3; r++) check(Path.DISPATCH, id == 1, id == 2, 150 + id, 140, 90, 1f, 0f, 0, 1, 900 + 10 * id + r);
                } catch (Throwable e) { err[id] = e; }
            });
            ts[t].start();
        }
        for (Thread t : ts) t.join();
        for (Throwable e : err) if (e != null) throw new AssertionError(e);
    }

    @Test void alphaZeroOrEmptyDepthOnlyScalesC() {
        float[] a = {Float.NaN, Float.NaN, Float.NaN, Float.NaN}, b = a.clone();
        float[] c = {1, 2, 3, 4};
        Sgemm.gemm(false, false, 2, 2, 2, 0f, a, 0, 2, 0, b, 0, 2, 0, 0.5f, c, 0, 2, 0, 1);
        assertEquals("[0.5, 1.0, 1.5, 2.0]", Arrays.toString(c));
        float[] d = {Float.NaN, Float.NaN};
        Sgemm.gemm(false, false, 1, 2, 0, 1f, new float[0], 0, 0, 0, new float[0], 0, 2, 0, 0f, d, 0, 2, 0, 1);
        assertEquals("[0.0, 0.0]", Arrays.toString(d));
    }

    @Test void badArgumentsGiveOneLineMessages() {
        Tensor a = Tensor.zeros(4, 4), b = Tensor.zeros(4, 4), c = Tensor.zeros(4, 4);
        var e = assertThrows(IllegalArgumentException.class,
                () -> CpuBackend.instance().gemm(false, false, 4, 4, 4, 1f, a, 3, 0, b, 4, 0, 0f, c, 4, 0, 1));
        assertTrue(e.getMessage().contains("lda=3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CpuBackend.instance().gemm(false, false, 4, 4, 4, 1f, a, 4, 16, b, 4, 0, 0f, c, 4, 0, 2));
        assertTrue(e.getMessage().contains("A needs 32 elements"), e.getMessage());
    }

    @Test void matmulAndF64GoThroughTheBackend() {
        Rng rng = new Rng(11);
        Tensor x = Tensor.rand(DType.F32, rng, -1, 1, 3, 50, 40), w = Tensor.rand(DType.F32, rng, -1, 1, 24, 40);
        Tensor got = Tensor.zeros(3, 50, 24), want = Tensor.zeros(3, 50, 24);
        CpuBackend.instance().matmul(x, false, w, true, got, 1f, 0f);
        REF.matmul(x, false, w, true, want, 1f, 0f);
        assertClose(want.floats(), got.floats(), "matmul linear");
        Tensor xd = x.to(DType.F64), wd = w.to(DType.F64), gd = Tensor.zeros(DType.F64, 3, 50, 24);
        CpuBackend.instance().matmul(xd, false, wd, true, gd, 1f, 0f);
        assertClose(want.floats(), gd.toFloatArray(), "matmul f64");
    }
}
