package org.nvit.kernels;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;
import org.nvit.engine.ref.OpChecks;

/**
 * The per-unit ops of structured pruning on the GPU (units.cu): dotAlong, scaleAlong, accumulateScore, with their
 * launch geometry. Tensors are seen as [outer, units, inner]. dotAlong's geometry depends only on the shape (never
 * on the GPU's size): every GPU adds in the same order, and a run repeats the previous one's bits.
 */
final class UnitKernels {
    /** dotAlong with inner > 1: elements of one unit per block (slice); a unit longer than this is split. */
    static final int SLICE = 4096;
    /** Slices are blockIdx.y: at most the grid's y limit. */
    static final int MAX_SLICES = 65535;

    private final CudaBackend cb;
    private final Gpu gpu;

    UnitKernels(CudaBackend cb) {
        this.cb = cb;
        this.gpu = cb.gpu;
    }

    /** Slices of a unit's {@code perUnit} elements for the rows kernel. */
    static int slices(long perUnit) { return (int) Math.max(1, Math.min(MAX_SLICES, (perUnit + SLICE - 1) / SLICE)); }

    /** Threads of a rows-kernel block: a multiple of 32, at most 256, about one element each for short slices. */
    static int sliceThreads(long perSlice) { return (int) Math.max(32, Math.min(256, (perSlice + 31) / 32 * 32)); }

    void dotAlong(Tensor a, Tensor b, int outer, int inner, float alpha, Tensor out) {
        OpChecks.along("dotAlong", a, outer, inner, out);
        OpChecks.numel("dotAlong", a, b);
        int units = Math.toIntExact(out.numel());
        if (units == 0) return;
        long perUnit = (long) outer * inner;
        int chunks = 0;
        long bytes = 0;
        DevPtr part = null;
        if (perUnit > 0) {
            if (inner == 1) { // columns: 32 units x 8 row lanes per block, row chunks as for column sums
                chunks = RowOps.chunks(outer);
                int per = (outer + chunks - 1) / chunks;
                part = cb.scratch(bytes = 4L * chunks * units);
                gpu.launch("nvit_dot_along_cols", (units + 31) / 32, chunks, 32, 8, cb.p(a), cb.p(b), part,
                        (long) outer, units, per);
            } else { // rows: one block per (unit, slice)
                chunks = slices(perUnit);
                long per = (perUnit + chunks - 1) / chunks;
                part = cb.scratch(bytes = 4L * chunks * units);
                gpu.launch("nvit_dot_along_rows", units, chunks, sliceThreads(per), 1, cb.p(a), cb.p(b), part, units,
                        (long) outer, inner, per);
            }
        }
        gpu.launch("nvit_dot_along_finish", (units + 255) / 256, 1, 256, 1, part, cb.p(out), alpha, chunks, units);
        if (part != null) cb.releaseScratch(part, bytes);
    }

    void scaleAlong(Tensor x, int outer, int inner, Tensor factors) {
        OpChecks.along("scaleAlong", x, outer, inner, factors);
        long n = x.numel();
        if (n == 0) return;
        gpu.launch("nvit_scale_along", gpu.elementwiseBlocks(n), 1, 256, 1, cb.p(x), cb.p(factors), n,
                Math.toIntExact(factors.numel()), inner);
    }

    void accumulateScore(Tensor c, Backend.Score f, Tensor sum) {
        OpChecks.numel("accumulateScore", c, sum);
        long n = c.numel();
        if (n == 0) return;
        int score = switch (f) { // the kernel's codes
            case IDENTITY -> 0;
            case ABS -> 1;
            case SQUARE -> 2;
        };
        gpu.launch("nvit_accumulate_score", gpu.elementwiseBlocks(n), 1, 256, 1, cb.p(c), cb.p(sum), score, n);
    }
}
