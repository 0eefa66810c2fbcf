package org.nvit.engine.cpu.gemm;

import static org.nvit.engine.cpu.gemm.Tiles.S;
import static org.nvit.engine.cpu.gemm.Tiles.VL;

import jdk.incubator.vector.FloatVector;

/**
 * Unpacked vector GEMM for the small per-head products of attention (17x17x32 or 50x50x32 per head in the
 * Fashion-MNIST models), where packing MR x NR panels costs more than the product itself. op(B) is copied once into
 * a k x np row-major scratch, np = n rounded up to whole vectors with zero columns, so that every row of C is built
 * from whole vectors: C(i, :) += A(i, l) * B(l, :), four rows at a time so that each B vector load feeds four FMAs.
 * Column chunks that reach past n go through a small tile, so C is never written outside its m x n window.
 */
final class SmallGemm {
    private SmallGemm() {}

    /** Products of at most this many multiply-adds per matrix take this path (when n fits a few vectors). */
    static final long MAX_MACS = 1L << 17;

    static boolean suits(int m, int n, int k) {
        return (long) m * n * k <= MAX_MACS && n <= 4 * VL;
    }

    static void run(boolean transA, boolean transB, int m, int n, int k, float alpha,
                    float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                    float beta, float[] c, int cOff, int ldc, Workspace ws) {
        int np = Tiles.roundUp(n, VL);
        float[] bp = ws.b(k * np);
        for (int l = 0; l < k; l++) {             // bp[l*np + j] = op(B)(l, j), zero beyond n
            int row = l * np;
            if (transB) for (int j = 0, src = bOff + l; j < n; j++, src += ldb) bp[row + j] = b[src];
            else System.arraycopy(b, bOff + l * ldb, bp, row, n);
            for (int j = n; j < np; j++) bp[row + j] = 0f;
        }
        int ai = transA ? 1 : lda, al = transA ? lda : 1;   // A(i, l) = a[aOff + i*ai + l*al]
        float[] tile = ws.tile;                             // MR x NR >= 4 rows x 2 vectors
        for (int j0 = 0; j0 < np; j0 += 2 * VL) {
            boolean two = j0 + VL < np;
            int cols = Math.min(n - j0, two ? 2 * VL : VL);
            int i = 0;
            for (; i + 4 <= m; i += 4) rows4(i, j0, two, cols, k, alpha, a, aOff, ai, al, bp, np, beta, c, cOff, ldc, tile);
            for (; i < m; i++) row1(i, j0, two, cols, k, alpha, a, aOff, ai, al, bp, np, beta, c, cOff, ldc, tile);
        }
    }

    private static void rows4(int i, int j0, boolean two, int cols, int k, float alpha, float[] a, int aOff, int ai,
                              int al, float[] bp, int np, float beta, float[] c, int cOff, int ldc, float[] tile) {
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
        int ao = aOff + i * ai, bo = j0;
        if (two) {
            for (int l = 0; l < k; l++, ao += al, bo += np) {
                FloatVector b0 = FloatVector.fromArray(S, bp, bo), b1 = FloatVector.fromArray(S, bp, bo + VL);
                FloatVector x0 = FloatVector.broadcast(S, a[ao]), x1 = FloatVector.broadcast(S, a[ao + ai]);
                FloatVector x2 = FloatVector.broadcast(S, a[ao + 2 * ai]), x3 = FloatVector.broadcast(S, a[ao + 3 * ai]);
                c00 = b0.fma(x0, c00);
                c01 = b1.fma(x0, c01);
                c10 = b0.fma(x1, c10);
                c11 = b1.fma(x1, c11);
                c20 = b0.fma(x2, c20);
                c21 = b1.fma(x2, c21);
                c30 = b0.fma(x3, c30);
                c31 = b1.fma(x3, c31);
            }
        } else {
            for (int l = 0; l < k; l++, ao += al, bo += np) {
                FloatVector b0 = FloatVector.fromArray(S, bp, bo);
                c00 = b0.fma(FloatVector.broadcast(S, a[ao]), c00);
                c10 = b0.fma(FloatVector.broadcast(S, a[ao + ai]), c10);
                c20 = b0.fma(FloatVector.broadcast(S, a[ao + 2 * ai]), c20);
                c30 = b0.fma(FloatVector.broadcast(S, a[ao + 3 * ai]), c30);
            }
        }
        int co = cOff + i * ldc + j0;
        store(c00, c01, two, cols, alpha, beta, c, co, tile);
        store(c10, c11, two, cols, alpha, beta, c, co + ldc, tile);
        store(c20, c21, two, cols, alpha, beta, c, co + 2 * ldc, tile);
        store(c30, c31, two, cols, alpha, beta, c, co + 3 * ldc, tile);
    }

    private static void row1(int i, int j0, boolean two, int cols, int k, float alpha, float[] a, int aOff, int ai,
                             int al, float[] bp, int np, float beta, float[] c, int cOff, int ldc, float[] tile) {
        FloatVector c0 = FloatVector.zero(S), c1 = c0;
        int ao = aOff + i * ai, bo = j0;
        for (int l = 0; l < k; l++, ao += al, bo += np) {
            FloatVector x = FloatVector.broadcast(S, a[ao]);
            c0 = FloatVector.fromArray(S, bp, bo).fma(x, c0);
            if (two) c1 = FloatVector.fromArray(S, bp, bo + VL).fma(x, c1);
        }
        store(c0, c1, two, cols, alpha, beta, c, cOff + i * ldc + j0, tile);
    }

    /** C[co .. co+cols) = alpha * acc + beta * C (C not read when beta == 0); a partial chunk goes via the tile. */
    private static void store(FloatVector v0, FloatVector v1, boolean two, int cols, float alpha, float beta,
                              float[] c, int co, float[] tile) {
        if (cols == (two ? 2 * VL : VL)) {
            put(v0, alpha, beta, c, co);
            if (two) put(v1, alpha, beta, c, co + VL);
            return;
        }
        v0.mul(alpha).intoArray(tile, 0);
        if (two) v1.mul(alpha).intoArray(tile, VL);
        for (int j = 0; j < cols; j++) c[co + j] = beta == 0f ? tile[j] : tile[j] + beta * c[co + j];
    }

    private static void put(FloatVector acc, float alpha, float beta, float[] c, int co) {
        FloatVector r = acc.mul(alpha);
        if (beta != 0f) r = FloatVector.fromArray(S, c, co).fma(FloatVector.broadcast(S, beta), r);
        r.intoArray(c, co);
    }
}
