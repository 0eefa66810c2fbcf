package org.nvit.engine.cpu.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register tile and cache-block sizes. NR is two vectors of the preferred species (32 floats with AVX-512); MR rows
 * make MR*2 accumulators, which with the two B vectors and one broadcast fit the 32 vector registers.
 * KC is the most depth one pass takes. It is larger than the classic L1-sized 256: every extra depth pass re-reads
 * the C tiles, whose loads stall the kernel when C is not in cache, while a B micro-panel of up to 96 KiB streams
 * well enough from L2 (best-of runs on 12608x192x768 and 1024^3: ~175 GFLOP/s with 768 against ~150 with 256).
 */
final class Tiles {
    private Tiles() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int VL = S.length();
    static final int MR = 8;
    static final int NR = 2 * VL;
    static final int KC = Math.max(1, Integer.getInteger("nvit.gemm.kc", 768));
    static final int MC = roundUp(Math.max(1, Integer.getInteger("nvit.gemm.mc", 192)), MR);
    static final int NC = roundUp(Math.max(1, Integer.getInteger("nvit.gemm.nc", 512)), NR);

    static int roundUp(int x, int to) { return (x + to - 1) / to * to; }

    /** Depth per pass: k split into equal passes of at most KC (1024 -> 2 x 512, not 768 + 256). */
    static int depthStep(int k) {
        int passes = (k + KC - 1) / KC;
        return (k + passes - 1) / passes;
    }
}
