package org.nvit.engine.cpu.gemm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Register tile and cache-block sizes. NR is two vectors of the preferred species (32 floats with AVX-512); MR rows
 * make MR*2 accumulators, which with the two B vectors and one broadcast fit the 32 vector registers.
 * KC keeps one packed B micro-panel (KC*NR floats, 32 KiB) in L1; the packed B block (KC*NC, 512 KiB) and the A
 * block (MC*KC) share L2.
 */
final class Tiles {
    private Tiles() {}

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int VL = S.length();
    static final int MR = 8;
    static final int NR = 2 * VL;
    static final int KC = Math.max(1, Integer.getInteger("nvit.gemm.kc", 256));
    static final int MC = roundUp(Math.max(1, Integer.getInteger("nvit.gemm.mc", 192)), MR);
    static final int NC = roundUp(Math.max(1, Integer.getInteger("nvit.gemm.nc", 512)), NR);

    static int roundUp(int x, int to) { return (x + to - 1) / to * to; }
}
