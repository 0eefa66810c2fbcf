package org.nvit.engine.cpu.gemm;

/**
 * The macro-kernel: updates C rows [i0, i1) x columns [j0, j1) from a packed B (full depth k, panels starting at
 * column jb) by packing A in MC x KC blocks and sweeping the micro-kernel over the tiles. Depth blocks after the
 * first accumulate (beta = 1), so the caller's beta is applied exactly once.
 */
final class Macro {
    private Macro() {}

    static void run(boolean transA, int k, float alpha, float[] a, int aOff, int lda,
                    float[] bp, int jb, float beta, float[] c, int cOff, int ldc,
                    int i0, int i1, int j0, int j1, Workspace ws) {
        final int mr = Tiles.MR, nr = Tiles.NR;
        float[] ap = ws.a(Tiles.MC * Math.min(Tiles.KC, k) + mr * Tiles.KC);
        float[] tile = ws.tile;
        for (int ic = i0; ic < i1; ic += Tiles.MC) {
            int mc = Math.min(Tiles.MC, i1 - ic);
            for (int pc = 0; pc < k; pc += Tiles.KC) {
                int kc = Math.min(Tiles.KC, k - pc);
                float bet = pc == 0 ? beta : 1f;
                Packing.packA(transA, a, aOff, lda, ic, mc, pc, kc, ap, 0);
                for (int jr = j0; jr < j1; jr += nr) {
                    int nn = Math.min(nr, j1 - jr);
                    int bo = (jr - jb) / nr * (k * nr) + pc * nr;
                    for (int ir = 0; ir < mc; ir += mr) {
                        int mm = Math.min(mr, mc - ir);
                        int co = cOff + (ic + ir) * ldc + jr;
                        if (mm == mr && nn == nr) MicroKernel.run(kc, ap, ir * kc, bp, bo, c, co, ldc, alpha, bet);
                        else MicroKernel.runEdge(kc, ap, ir * kc, bp, bo, tile, c, co, ldc, mm, nn, alpha, bet);
                    }
                }
            }
        }
    }
}
