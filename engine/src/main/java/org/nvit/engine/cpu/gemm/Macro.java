package org.nvit.engine.cpu.gemm;

/**
 * The macro-kernel: updates the C block rows [i0, i1) x columns [j0, j1) on the calling thread, BLIS loop order:
 * column slabs of NC, depth passes of at most KC (B block packed into the thread's buffer), row blocks of MC,
 * then the micro-kernel over the MR x NR tiles. A is read in place when it is not transposed (only a tail panel of
 * fewer than MR rows is packed); a transposed A is packed per MC x KC block. Depth blocks after the first accumulate
 * (beta = 1), so the caller's beta is applied exactly once.
 */
final class Macro {
    private Macro() {}

    static void run(boolean transA, boolean transB, int k, float alpha, float[] a, int aOff, int lda,
                    float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc,
                    int i0, int i1, int j0, int j1, Workspace ws) {
        final int mr = Tiles.MR, nr = Tiles.NR;
        final int kStep = Tiles.depthStep(k);
        float[] ap = ws.a(Tiles.MC * kStep);
        float[] tile = ws.tile;
        for (int jc = j0; jc < j1; jc += Tiles.NC) {
            int nc = Math.min(Tiles.NC, j1 - jc);
            for (int pc = 0; pc < k; pc += kStep) {
                int kc = Math.min(kStep, k - pc);
                float bet = pc == 0 ? beta : 1f;
                float[] bp = ws.b(Tiles.roundUp(nc, nr) * kc);
                Packing.packB(transB, b, bOff, ldb, pc, kc, jc, nc, bp, 0, kc * nr);
                for (int ic = i0; ic < i1; ic += Tiles.MC) {
                    int mc = Math.min(Tiles.MC, i1 - ic);
                    int full = transA ? 0 : mc / mr * mr;        // rows read in place
                    if (full < mc) Packing.packA(transA, a, aOff, lda, ic + full, mc - full, pc, kc, ap, 0);
                    for (int jr = 0; jr < nc; jr += nr) {
                        int nn = Math.min(nr, nc - jr), bo = jr * kc;
                        int co = cOff + ic * ldc + jc + jr;
                        for (int ir = 0; ir < full; ir += mr) {
                            int ao = aOff + (ic + ir) * lda + pc;
                            if (nn == nr) MicroKernel.runDirect(kc, a, ao, lda, bp, bo, c, co + ir * ldc, ldc, alpha, bet);
                            else MicroKernel.runDirectEdge(kc, a, ao, lda, bp, bo, tile, c, co + ir * ldc, ldc, nn, alpha, bet);
                        }
                        for (int ir = full; ir < mc; ir += mr) {
                            int mm = Math.min(mr, mc - ir), ao = (ir - full) * kc;
                            if (mm == mr && nn == nr) MicroKernel.run(kc, ap, ao, bp, bo, c, co + ir * ldc, ldc, alpha, bet);
                            else MicroKernel.runEdge(kc, ap, ao, bp, bo, tile, c, co + ir * ldc, ldc, mm, nn, alpha, bet);
                        }
                    }
                }
            }
        }
    }
}
