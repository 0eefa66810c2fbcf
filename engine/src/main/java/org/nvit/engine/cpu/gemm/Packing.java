package org.nvit.engine.cpu.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * Copies blocks of op(A) and op(B) into the layouts the micro-kernel streams through, so that one kernel serves all
 * four transpose combinations. Panels are zero-padded to whole tiles, so the kernel never needs a tail in m or n.
 */
final class Packing {
    private Packing() {}

    /**
     * Packs rows [i0, i0 + mc) and depth [p0, p0 + kc) of op(A) into MR-row panels: panel r holds, for each depth p,
     * the MR values of rows i0 + r*MR .. +MR-1 (zero beyond mc). Panel r starts at {@code dst[dOff + r*MR*kc]}.
     */
    static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int mc, int p0, int kc,
                      float[] dst, int dOff) {
        final int mr = Tiles.MR;
        for (int r = 0; r < mc; r += mr) {
            int rows = Math.min(mr, mc - r);
            int base = dOff + r * kc;
            if (!transA) {
                // A is m x k row-major: each row is contiguous in depth; scatter it with stride MR
                for (int ii = 0; ii < rows; ii++) {
                    int src = aOff + (i0 + r + ii) * lda + p0;
                    int d = base + ii;
                    for (int p = 0; p < kc; p++, d += mr) dst[d] = a[src + p];
                }
            } else {
                // A stored k x m: the MR values of one depth are contiguous
                for (int p = 0; p < kc; p++) {
                    int src = aOff + (p0 + p) * lda + i0 + r;
                    int d = base + p * mr;
                    for (int ii = 0; ii < rows; ii++) dst[d + ii] = a[src + ii];
                }
            }
            if (rows < mr) {
                for (int p = 0; p < kc; p++) {
                    int d = base + p * mr;
                    for (int ii = rows; ii < mr; ii++) dst[d + ii] = 0f;
                }
            }
        }
    }

    /**
     * Packs depth [p0, p0 + kc) and columns [j0, j0 + nc) of op(B) into NR-column panels: panel q holds, for each
     * depth p, the NR values of columns j0 + q*NR .. +NR-1 (zero beyond nc). Panel q starts at
     * {@code dst[dOff + q * panelStride]}, depth p at {@code + p*NR}.
     */
    static void packB(boolean transB, float[] b, int bOff, int ldb, int p0, int kc, int j0, int nc,
                      float[] dst, int dOff, int panelStride) {
        final int nr = Tiles.NR;
        for (int q = 0, j = 0; j < nc; q++, j += nr) {
            int cols = Math.min(nr, nc - j);
            int base = dOff + q * panelStride;
            if (!transB) {
                // B is k x n row-major: the NR values of one depth are contiguous: copy with (masked) vectors
                if (cols == nr) {
                    for (int p = 0; p < kc; p++) {
                        int src = bOff + (p0 + p) * ldb + j0 + j, d = base + p * nr;
                        for (int v = 0; v < nr; v += Tiles.VL)
                            FloatVector.fromArray(Tiles.S, b, src + v).intoArray(dst, d + v);
                    }
                } else {
                    for (int p = 0; p < kc; p++) {
                        int src = bOff + (p0 + p) * ldb + j0 + j, d = base + p * nr;
                        for (int v = 0; v < nr; v += Tiles.VL) {
                            VectorMask<Float> mk = Tiles.S.indexInRange(v, cols);
                            FloatVector.fromArray(Tiles.S, b, src + v, mk).intoArray(dst, d + v);
                        }
                    }
                }
            } else {
                // B stored n x k: column j of op(B) is row j of storage, contiguous in depth. Transpose in depth
                // strips of 16 so the lines being read (NR rows) and written (16 panel rows) stay in L1.
                for (int pb = 0; pb < kc; pb += 16) {
                    int pe = Math.min(kc, pb + 16);
                    for (int jj = 0; jj < cols; jj++) {
                        int src = bOff + (j0 + j + jj) * ldb + p0;
                        for (int p = pb, d = base + pb * nr + jj; p < pe; p++, d += nr) dst[d] = b[src + p];
                    }
                }
                if (cols < nr) {
                    for (int p = 0; p < kc; p++) {
                        int d = base + p * nr;
                        for (int jj = cols; jj < nr; jj++) dst[d + jj] = 0f;
                    }
                }
            }
        }
    }
}
