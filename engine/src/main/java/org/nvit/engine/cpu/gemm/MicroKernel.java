package org.nvit.engine.cpu.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-tiled FMA micro-kernel: C[MR x NR] = alpha * A * Bp + beta * C, with Bp one packed NR-column panel
 * of depth kc and A either a packed MR-row panel or MR rows read in place. The 8x2 accumulator vectors live in
 * registers for the whole depth loop; each depth step loads two B vectors and broadcasts MR values of A (one FMA per
 * accumulator). Edge tiles of at most one vector's width use the one-vector variants, so a 197-wide C wastes 11
 * columns, not 27. Unrolled for MR = 8 rows and NR = 2 vectors (see Tiles); keep the two in sync.
 */
final class MicroKernel {
    private MicroKernel() {}

    private static final VectorSpecies<Float> S = Tiles.S;
    private static final int VL = Tiles.VL, NR = Tiles.NR;

    static {
        if (Tiles.MR != 8) throw new AssertionError("MicroKernel is written for MR = 8");
    }

    /** Full-tile kernel on a packed A panel: writes C rows cOff + i*ldc, i in [0, MR). beta == 0 does not read C. */
    static void run(int kc, float[] ap, int aOff, float[] bp, int bOff,
                    float[] c, int cOff, int ldc, float alpha, float beta) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        FloatVector c60 = z, c61 = z;
        FloatVector c70 = z, c71 = z;
        for (int p = 0; p < kc; p++) {
            int bi = bOff + p * NR, ai = aOff + p * 8;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector a;
            a = FloatVector.broadcast(S, ap[ai + 0]); c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[ai + 1]); c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[ai + 2]); c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[ai + 3]); c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[ai + 4]); c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[ai + 5]); c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, ap[ai + 6]); c60 = a.fma(b0, c60); c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, ap[ai + 7]); c70 = a.fma(b0, c70); c71 = a.fma(b1, c71);
        }
        // written out (no helper): a vector passed to a call C2 does not inline would be boxed on the heap
        FloatVector al = FloatVector.broadcast(S, alpha);
        if (beta == 0f) {
            c00.mul(al).intoArray(c, cOff + 0 * ldc); c01.mul(al).intoArray(c, cOff + 0 * ldc + VL);
            c10.mul(al).intoArray(c, cOff + 1 * ldc); c11.mul(al).intoArray(c, cOff + 1 * ldc + VL);
            c20.mul(al).intoArray(c, cOff + 2 * ldc); c21.mul(al).intoArray(c, cOff + 2 * ldc + VL);
            c30.mul(al).intoArray(c, cOff + 3 * ldc); c31.mul(al).intoArray(c, cOff + 3 * ldc + VL);
            c40.mul(al).intoArray(c, cOff + 4 * ldc); c41.mul(al).intoArray(c, cOff + 4 * ldc + VL);
            c50.mul(al).intoArray(c, cOff + 5 * ldc); c51.mul(al).intoArray(c, cOff + 5 * ldc + VL);
            c60.mul(al).intoArray(c, cOff + 6 * ldc); c61.mul(al).intoArray(c, cOff + 6 * ldc + VL);
            c70.mul(al).intoArray(c, cOff + 7 * ldc); c71.mul(al).intoArray(c, cOff + 7 * ldc + VL);
        } else {
            FloatVector bv = FloatVector.broadcast(S, beta);
            FloatVector.fromArray(S, c, cOff + 0 * ldc).fma(bv, c00.mul(al)).intoArray(c, cOff + 0 * ldc);
            FloatVector.fromArray(S, c, cOff + 0 * ldc + VL).fma(bv, c01.mul(al)).intoArray(c, cOff + 0 * ldc + VL);
            FloatVector.fromArray(S, c, cOff + 1 * ldc).fma(bv, c10.mul(al)).intoArray(c, cOff + 1 * ldc);
            FloatVector.fromArray(S, c, cOff + 1 * ldc + VL).fma(bv, c11.mul(al)).intoArray(c, cOff + 1 * ldc + VL);
            FloatVector.fromArray(S, c, cOff + 2 * ldc).fma(bv, c20.mul(al)).intoArray(c, cOff + 2 * ldc);
            FloatVector.fromArray(S, c, cOff + 2 * ldc + VL).fma(bv, c21.mul(al)).intoArray(c, cOff + 2 * ldc + VL);
            FloatVector.fromArray(S, c, cOff + 3 * ldc).fma(bv, c30.mul(al)).intoArray(c, cOff + 3 * ldc);
            FloatVector.fromArray(S, c, cOff + 3 * ldc + VL).fma(bv, c31.mul(al)).intoArray(c, cOff + 3 * ldc + VL);
            FloatVector.fromArray(S, c, cOff + 4 * ldc).fma(bv, c40.mul(al)).intoArray(c, cOff + 4 * ldc);
            FloatVector.fromArray(S, c, cOff + 4 * ldc + VL).fma(bv, c41.mul(al)).intoArray(c, cOff + 4 * ldc + VL);
            FloatVector.fromArray(S, c, cOff + 5 * ldc).fma(bv, c50.mul(al)).intoArray(c, cOff + 5 * ldc);
            FloatVector.fromArray(S, c, cOff + 5 * ldc + VL).fma(bv, c51.mul(al)).intoArray(c, cOff + 5 * ldc + VL);
            FloatVector.fromArray(S, c, cOff + 6 * ldc).fma(bv, c60.mul(al)).intoArray(c, cOff + 6 * ldc);
            FloatVector.fromArray(S, c, cOff + 6 * ldc + VL).fma(bv, c61.mul(al)).intoArray(c, cOff + 6 * ldc + VL);
            FloatVector.fromArray(S, c, cOff + 7 * ldc).fma(bv, c70.mul(al)).intoArray(c, cOff + 7 * ldc);
            FloatVector.fromArray(S, c, cOff + 7 * ldc + VL).fma(bv, c71.mul(al)).intoArray(c, cOff + 7 * ldc + VL);
        }
    }

    /** As {@link #run}, but A is read in place: row i of the tile at {@code ap[aOff + i*lda + p]}. */
    static void runDirect(int kc, float[] ap, int aOff, int lda, float[] bp, int bOff,
                    float[] c, int cOff, int ldc, float alpha, float beta) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z, c01 = z;
        FloatVector c10 = z, c11 = z;
        FloatVector c20 = z, c21 = z;
        FloatVector c30 = z, c31 = z;
        FloatVector c40 = z, c41 = z;
        FloatVector c50 = z, c51 = z;
        FloatVector c60 = z, c61 = z;
        FloatVector c70 = z, c71 = z;
        int r0 = aOff + 0 * lda; int r1 = aOff + 1 * lda; int r2 = aOff + 2 * lda; int r3 = aOff + 3 * lda;
        int r4 = aOff + 4 * lda; int r5 = aOff + 5 * lda; int r6 = aOff + 6 * lda; int r7 = aOff + 7 * lda;
        for (int p = 0; p < kc; p++) {
            int bi = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + VL);
            FloatVector a;
            a = FloatVector.broadcast(S, ap[r0 + p]); c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
            a = FloatVector.broadcast(S, ap[r1 + p]); c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
            a = FloatVector.broadcast(S, ap[r2 + p]); c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
            a = FloatVector.broadcast(S, ap[r3 + p]); c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
            a = FloatVector.broadcast(S, ap[r4 + p]); c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
            a = FloatVector.broadcast(S, ap[r5 + p]); c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
            a = FloatVector.broadcast(S, ap[r6 + p]); c60 = a.fma(b0, c60); c61 = a.fma(b1, c61);
            a = FloatVector.broadcast(S, ap[r7 + p]); c70 = a.fma(b0, c70); c71 = a.fma(b1, c71);
        }
        // written out (no helper): a vector passed to a call C2 does not inline would be boxed on the heap
        FloatVector al = FloatVector.broadcast(S, alpha);
        if (beta == 0f) {
            c00.mul(al).intoArray(c, cOff + 0 * ldc); c01.mul(al).intoArray(c, cOff + 0 * ldc + VL);
            c10.mul(al).intoArray(c, cOff + 1 * ldc); c11.mul(al).intoArray(c, cOff + 1 * ldc + VL);
            c20.mul(al).intoArray(c, cOff + 2 * ldc); c21.mul(al).intoArray(c, cOff + 2 * ldc + VL);
            c30.mul(al).intoArray(c, cOff + 3 * ldc); c31.mul(al).intoArray(c, cOff + 3 * ldc + VL);
            c40.mul(al).intoArray(c, cOff + 4 * ldc); c41.mul(al).intoArray(c, cOff + 4 * ldc + VL);
            c50.mul(al).intoArray(c, cOff + 5 * ldc); c51.mul(al).intoArray(c, cOff + 5 * ldc + VL);
            c60.mul(al).intoArray(c, cOff + 6 * ldc); c61.mul(al).intoArray(c, cOff + 6 * ldc + VL);
            c70.mul(al).intoArray(c, cOff + 7 * ldc); c71.mul(al).intoArray(c, cOff + 7 * ldc + VL);
        } else {
            FloatVector bv = FloatVector.broadcast(S, beta);
            FloatVector.fromArray(S, c, cOff + 0 * ldc).fma(bv, c00.mul(al)).intoArray(c, cOff + 0 * ldc);
            FloatVector.fromArray(S, c, cOff + 0 * ldc + VL).fma(bv, c01.mul(al)).intoArray(c, cOff + 0 * ldc + VL);
            FloatVector.fromArray(S, c, cOff + 1 * ldc).fma(bv, c10.mul(al)).intoArray(c, cOff + 1 * ldc);
            FloatVector.fromArray(S, c, cOff + 1 * ldc + VL).fma(bv, c11.mul(al)).intoArray(c, cOff + 1 * ldc + VL);
            FloatVector.fromArray(S, c, cOff + 2 * ldc).fma(bv, c20.mul(al)).intoArray(c, cOff + 2 * ldc);
            FloatVector.fromArray(S, c, cOff + 2 * ldc + VL).fma(bv, c21.mul(al)).intoArray(c, cOff + 2 * ldc + VL);
            FloatVector.fromArray(S, c, cOff + 3 * ldc).fma(bv, c30.mul(al)).intoArray(c, cOff + 3 * ldc);
            FloatVector.fromArray(S, c, cOff + 3 * ldc + VL).fma(bv, c31.mul(al)).intoArray(c, cOff + 3 * ldc + VL);
            FloatVector.fromArray(S, c, cOff + 4 * ldc).fma(bv, c40.mul(al)).intoArray(c, cOff + 4 * ldc);
            FloatVector.fromArray(S, c, cOff + 4 * ldc + VL).fma(bv, c41.mul(al)).intoArray(c, cOff + 4 * ldc + VL);
            FloatVector.fromArray(S, c, cOff + 5 * ldc).fma(bv, c50.mul(al)).intoArray(c, cOff + 5 * ldc);
            FloatVector.fromArray(S, c, cOff + 5 * ldc + VL).fma(bv, c51.mul(al)).intoArray(c, cOff + 5 * ldc + VL);
            FloatVector.fromArray(S, c, cOff + 6 * ldc).fma(bv, c60.mul(al)).intoArray(c, cOff + 6 * ldc);
            FloatVector.fromArray(S, c, cOff + 6 * ldc + VL).fma(bv, c61.mul(al)).intoArray(c, cOff + 6 * ldc + VL);
            FloatVector.fromArray(S, c, cOff + 7 * ldc).fma(bv, c70.mul(al)).intoArray(c, cOff + 7 * ldc);
            FloatVector.fromArray(S, c, cOff + 7 * ldc + VL).fma(bv, c71.mul(al)).intoArray(c, cOff + 7 * ldc + VL);
        }
    }

    /** As {@link #run} for the first vector of the panel only (an edge of at most VL columns). */
    static void runHalf(int kc, float[] ap, int aOff, float[] bp, int bOff,
                    float[] c, int cOff, int ldc, float alpha, float beta) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z;
        FloatVector c10 = z;
        FloatVector c20 = z;
        FloatVector c30 = z;
        FloatVector c40 = z;
        FloatVector c50 = z;
        FloatVector c60 = z;
        FloatVector c70 = z;
        for (int p = 0; p < kc; p++) {
            int bi = bOff + p * NR, ai = aOff + p * 8;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector a;
            a = FloatVector.broadcast(S, ap[ai + 0]); c00 = a.fma(b0, c00);
            a = FloatVector.broadcast(S, ap[ai + 1]); c10 = a.fma(b0, c10);
            a = FloatVector.broadcast(S, ap[ai + 2]); c20 = a.fma(b0, c20);
            a = FloatVector.broadcast(S, ap[ai + 3]); c30 = a.fma(b0, c30);
            a = FloatVector.broadcast(S, ap[ai + 4]); c40 = a.fma(b0, c40);
            a = FloatVector.broadcast(S, ap[ai + 5]); c50 = a.fma(b0, c50);
            a = FloatVector.broadcast(S, ap[ai + 6]); c60 = a.fma(b0, c60);
            a = FloatVector.broadcast(S, ap[ai + 7]); c70 = a.fma(b0, c70);
        }
        // written out (no helper): a vector passed to a call C2 does not inline would be boxed on the heap
        FloatVector al = FloatVector.broadcast(S, alpha);
        if (beta == 0f) {
            c00.mul(al).intoArray(c, cOff + 0 * ldc);
            c10.mul(al).intoArray(c, cOff + 1 * ldc);
            c20.mul(al).intoArray(c, cOff + 2 * ldc);
            c30.mul(al).intoArray(c, cOff + 3 * ldc);
            c40.mul(al).intoArray(c, cOff + 4 * ldc);
            c50.mul(al).intoArray(c, cOff + 5 * ldc);
            c60.mul(al).intoArray(c, cOff + 6 * ldc);
            c70.mul(al).intoArray(c, cOff + 7 * ldc);
        } else {
            FloatVector bv = FloatVector.broadcast(S, beta);
            FloatVector.fromArray(S, c, cOff + 0 * ldc).fma(bv, c00.mul(al)).intoArray(c, cOff + 0 * ldc);
            FloatVector.fromArray(S, c, cOff + 1 * ldc).fma(bv, c10.mul(al)).intoArray(c, cOff + 1 * ldc);
            FloatVector.fromArray(S, c, cOff + 2 * ldc).fma(bv, c20.mul(al)).intoArray(c, cOff + 2 * ldc);
            FloatVector.fromArray(S, c, cOff + 3 * ldc).fma(bv, c30.mul(al)).intoArray(c, cOff + 3 * ldc);
            FloatVector.fromArray(S, c, cOff + 4 * ldc).fma(bv, c40.mul(al)).intoArray(c, cOff + 4 * ldc);
            FloatVector.fromArray(S, c, cOff + 5 * ldc).fma(bv, c50.mul(al)).intoArray(c, cOff + 5 * ldc);
            FloatVector.fromArray(S, c, cOff + 6 * ldc).fma(bv, c60.mul(al)).intoArray(c, cOff + 6 * ldc);
            FloatVector.fromArray(S, c, cOff + 7 * ldc).fma(bv, c70.mul(al)).intoArray(c, cOff + 7 * ldc);
        }
    }

    /** As {@link #runDirect} for the first vector of the panel only (an edge of at most VL columns). */
    static void runDirectHalf(int kc, float[] ap, int aOff, int lda, float[] bp, int bOff,
                    float[] c, int cOff, int ldc, float alpha, float beta) {
        FloatVector z = FloatVector.zero(S);
        FloatVector c00 = z;
        FloatVector c10 = z;
        FloatVector c20 = z;
        FloatVector c30 = z;
        FloatVector c40 = z;
        FloatVector c50 = z;
        FloatVector c60 = z;
        FloatVector c70 = z;
        int r0 = aOff + 0 * lda; int r1 = aOff + 1 * lda; int r2 = aOff + 2 * lda; int r3 = aOff + 3 * lda;
        int r4 = aOff + 4 * lda; int r5 = aOff + 5 * lda; int r6 = aOff + 6 * lda; int r7 = aOff + 7 * lda;
        for (int p = 0; p < kc; p++) {
            int bi = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector a;
            a = FloatVector.broadcast(S, ap[r0 + p]); c00 = a.fma(b0, c00);
            a = FloatVector.broadcast(S, ap[r1 + p]); c10 = a.fma(b0, c10);
            a = FloatVector.broadcast(S, ap[r2 + p]); c20 = a.fma(b0, c20);
            a = FloatVector.broadcast(S, ap[r3 + p]); c30 = a.fma(b0, c30);
            a = FloatVector.broadcast(S, ap[r4 + p]); c40 = a.fma(b0, c40);
            a = FloatVector.broadcast(S, ap[r5 + p]); c50 = a.fma(b0, c50);
            a = FloatVector.broadcast(S, ap[r6 + p]); c60 = a.fma(b0, c60);
            a = FloatVector.broadcast(S, ap[r7 + p]); c70 = a.fma(b0, c70);
        }
        // written out (no helper): a vector passed to a call C2 does not inline would be boxed on the heap
        FloatVector al = FloatVector.broadcast(S, alpha);
        if (beta == 0f) {
            c00.mul(al).intoArray(c, cOff + 0 * ldc);
            c10.mul(al).intoArray(c, cOff + 1 * ldc);
            c20.mul(al).intoArray(c, cOff + 2 * ldc);
            c30.mul(al).intoArray(c, cOff + 3 * ldc);
            c40.mul(al).intoArray(c, cOff + 4 * ldc);
            c50.mul(al).intoArray(c, cOff + 5 * ldc);
            c60.mul(al).intoArray(c, cOff + 6 * ldc);
            c70.mul(al).intoArray(c, cOff + 7 * ldc);
        } else {
            FloatVector bv = FloatVector.broadcast(S, beta);
            FloatVector.fromArray(S, c, cOff + 0 * ldc).fma(bv, c00.mul(al)).intoArray(c, cOff + 0 * ldc);
            FloatVector.fromArray(S, c, cOff + 1 * ldc).fma(bv, c10.mul(al)).intoArray(c, cOff + 1 * ldc);
            FloatVector.fromArray(S, c, cOff + 2 * ldc).fma(bv, c20.mul(al)).intoArray(c, cOff + 2 * ldc);
            FloatVector.fromArray(S, c, cOff + 3 * ldc).fma(bv, c30.mul(al)).intoArray(c, cOff + 3 * ldc);
            FloatVector.fromArray(S, c, cOff + 4 * ldc).fma(bv, c40.mul(al)).intoArray(c, cOff + 4 * ldc);
            FloatVector.fromArray(S, c, cOff + 5 * ldc).fma(bv, c50.mul(al)).intoArray(c, cOff + 5 * ldc);
            FloatVector.fromArray(S, c, cOff + 6 * ldc).fma(bv, c60.mul(al)).intoArray(c, cOff + 6 * ldc);
            FloatVector.fromArray(S, c, cOff + 7 * ldc).fma(bv, c70.mul(al)).intoArray(c, cOff + 7 * ldc);
        }
    }

    /** Edge tile, packed A: runs the kernel into the scratch tile and merges its mr x nr corner into C. */
    static void runEdge(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] tile,
                        float[] c, int cOff, int ldc, int mr, int nr, float alpha, float beta) {
        if (nr <= VL) runHalf(kc, ap, aOff, bp, bOff, tile, 0, NR, 1f, 0f);
        else run(kc, ap, aOff, bp, bOff, tile, 0, NR, 1f, 0f);
        merge(tile, c, cOff, ldc, mr, nr, alpha, beta);
    }

    /** Edge tile (all MR rows, nr < NR columns), A read in place. */
    static void runDirectEdge(int kc, float[] a, int aOff, int lda, float[] bp, int bOff, float[] tile,
                              float[] c, int cOff, int ldc, int nr, float alpha, float beta) {
        if (nr <= VL) runDirectHalf(kc, a, aOff, lda, bp, bOff, tile, 0, NR, 1f, 0f);
        else runDirect(kc, a, aOff, lda, bp, bOff, tile, 0, NR, 1f, 0f);
        merge(tile, c, cOff, ldc, Tiles.MR, nr, alpha, beta);
    }

    private static void merge(float[] tile, float[] c, int cOff, int ldc, int mr, int nr, float alpha, float beta) {
        for (int i = 0; i < mr; i++) {
            int ci = cOff + i * ldc, ti = i * NR;
            if (beta == 0f) for (int j = 0; j < nr; j++) c[ci + j] = alpha * tile[ti + j];
            else for (int j = 0; j < nr; j++) c[ci + j] = alpha * tile[ti + j] + beta * c[ci + j];
        }
    }
}
