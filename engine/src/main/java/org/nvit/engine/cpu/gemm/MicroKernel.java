package org.nvit.engine.cpu.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-tiled FMA micro-kernel: C[MR x NR] = alpha * Ap * Bp + beta * C, with Ap one packed MR-row panel and
 * Bp one packed NR-column panel of depth kc. The 8x2 accumulator vectors live in registers for the whole depth loop;
 * each depth step loads two B vectors and broadcasts MR values of A (one FMA per accumulator).
 * Unrolled for MR = 8 rows and NR = 2 vectors (see Tiles); keep the two in sync.
 */
final class MicroKernel {
    private MicroKernel() {}

    private static final VectorSpecies<Float> S = Tiles.S;
    private static final int VL = Tiles.VL, NR = Tiles.NR;

    static {
        if (Tiles.MR != 8) throw new AssertionError("MicroKernel is written for MR = 8");
    }

    /** Full-tile kernel: writes C rows cOff + i*ldc, i in [0, MR). beta == 0 does not read C. */
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
        store(c00, c01, c, cOff + 0 * ldc, alpha, beta);
        store(c10, c11, c, cOff + 1 * ldc, alpha, beta);
        store(c20, c21, c, cOff + 2 * ldc, alpha, beta);
        store(c30, c31, c, cOff + 3 * ldc, alpha, beta);
        store(c40, c41, c, cOff + 4 * ldc, alpha, beta);
        store(c50, c51, c, cOff + 5 * ldc, alpha, beta);
        store(c60, c61, c, cOff + 6 * ldc, alpha, beta);
        store(c70, c71, c, cOff + 7 * ldc, alpha, beta);
    }

    private static void store(FloatVector v0, FloatVector v1, float[] c, int idx, float alpha, float beta) {
        if (alpha != 1f) { v0 = v0.mul(alpha); v1 = v1.mul(alpha); }
        if (beta != 0f) {
            FloatVector bv = FloatVector.broadcast(S, beta);
            v0 = FloatVector.fromArray(S, c, idx).fma(bv, v0);
            v1 = FloatVector.fromArray(S, c, idx + VL).fma(bv, v1);
        }
        v0.intoArray(c, idx);
        v1.intoArray(c, idx + VL);
    }

    /**
     * Edge tile: runs the kernel into the scratch tile (MR x NR) and merges its top-left mr x nr corner into C.
     */
    static void runEdge(int kc, float[] ap, int aOff, float[] bp, int bOff, float[] tile,
                        float[] c, int cOff, int ldc, int mr, int nr, float alpha, float beta) {
        run(kc, ap, aOff, bp, bOff, tile, 0, NR, 1f, 0f);
        for (int i = 0; i < mr; i++) {
            int ci = cOff + i * ldc, ti = i * NR;
            if (beta == 0f) for (int j = 0; j < nr; j++) c[ci + j] = alpha * tile[ti + j];
            else for (int j = 0; j < nr; j++) c[ci + j] = alpha * tile[ti + j] + beta * c[ci + j];
        }
    }
}
