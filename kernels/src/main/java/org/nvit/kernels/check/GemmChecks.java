package org.nvit.kernels.check;

import org.nvit.engine.Tensor;
import org.nvit.kernels.Precision;

/** GEMM through cuBLAS (row-major swap, strided batches, leading dimensions wider than the matrix) vs the CPU. */
final class GemmChecks {
    private GemmChecks() {}

    /** m, n, k, transA, transB, batch, extra leading-dimension padding. */
    private static final int[][] SHAPES = {
            {1, 1, 1, 0, 0, 1, 0}, {7, 13, 5, 0, 0, 1, 0}, {33, 65, 129, 0, 1, 1, 3},
            {197, 197, 64, 0, 1, 6, 0},   // attention scores q k^T, batch = B * heads
            {197, 64, 197, 0, 0, 6, 0},   // attention * v
            {64, 197, 197, 1, 0, 3, 0},   // a transposed-A backward shape
            {50, 384, 1152, 0, 0, 1, 0},  // a linear layer, rows not a tile multiple
            {31, 17, 250, 1, 1, 2, 5},
    };

    static void run(GpuChecks.Ctx c, Precision p) {
        c.gpu.setPrecision(p);
        for (int[] s : SHAPES) {
            int m = s[0], n = s[1], k = s[2], batch = s[5], pad = s[6];
            boolean ta = s[3] == 1, tb = s[4] == 1;
            int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
            int lda = aCols + pad, ldb = bCols + pad, ldc = n + pad;
            long sa = (long) aRows * lda, sb = (long) bRows * ldb, sc = (long) m * ldc;
            Tensor a = c.rand(Math.toIntExact(sa * batch)), b = c.rand(Math.toIntExact(sb * batch));
            Tensor cIn = c.rand(Math.toIntExact(sc * batch));
            float alpha = 0.75f, beta = pad > 0 ? 0.5f : 0f;
            Tensor ref = cIn.copy();
            c.cpu.gemm(ta, tb, m, n, k, alpha, a, lda, sa, b, ldb, sb, beta, ref, ldc, sc, batch);
            Tensor ga = c.up(a), gb = c.up(b), gc = c.up(cIn);
            if (beta == 0) c.gpu.fill(gc, Float.NaN); // beta == 0 must not read C (no padding then)
            c.gpu.gemm(ta, tb, m, n, k, alpha, ga, lda, sa, gb, ldb, sb, beta, gc, ldc, sc, batch);
            String what = String.format("%dx%dx%d%s%s b%d ld+%d", m, n, k, ta ? " tA" : "", tb ? " tB" : "", batch, pad);
            c.close(what, gc, ref, p.tolerance()); // with padding, the untouched columns are compared too
        }
        // the convenience path: a 3-D activation times a 2-D weight (flattened to one GEMM)
        Tensor x = c.rand(3, 197, 96), w = c.rand(96, 40);
        Tensor ref = c.cpu.zeros(org.nvit.engine.DType.F32, 3, 197, 40);
        c.cpu.matmul(x, false, w, false, ref, 1f, 0f);
        Tensor out = c.poisoned(3, 197, 40);
        c.gpu.matmul(c.up(x), false, c.up(w), false, out, 1f, 0f);
        c.close("matmul 3-D x 2-D", out, ref, p.tolerance());
    }
}
