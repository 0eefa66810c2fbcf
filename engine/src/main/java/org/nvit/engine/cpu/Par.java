package org.nvit.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/** Shared plumbing of the CPU kernels: the vector species and how flat and row jobs are split over the pool. */
final class Par {
    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    static final int L = S.length();
    /** Flat jobs are split on multiples of this many elements so that chunks stay vector-aligned. */
    private static final int BLOCK = 256;

    private Par() {}

    /** Runs body over [0, n) flat elements, split into aligned chunks when n * costPerElement is large. */
    static void flat(int n, int costPerElement, CpuPool.RangeBody body) {
        int blocks = (n + BLOCK - 1) / BLOCK;
        CpuPool.forRange(blocks, (long) costPerElement * BLOCK,
                (a, b) -> body.run(a * BLOCK, (int) Math.min((long) b * BLOCK, n)));
    }

    /** Runs body over [0, rows) rows of roughly costPerRow work each. */
    static void rows(int rows, long costPerRow, CpuPool.RangeBody body) {
        CpuPool.forRange(rows, costPerRow, body);
    }

    /** How many chunks {@link #chunkStart} splits n items of the given cost into (the pool's own rule). */
    static int chunks(int n, long costPerItem) {
        long work = (long) n * Math.max(1, costPerItem);
        int c = (int) Math.min(CpuPool.threads(), Math.max(1, work / 32_768));
        return Math.max(1, Math.min(c, n));
    }

    /** First item of chunk c of n items split into `chunks` contiguous chunks. */
    static int chunkStart(int n, int chunks, int c) { return (int) ((long) n * c / chunks); }
}
