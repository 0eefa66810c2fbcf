package org.nvit.engine.cpu;

import static org.nvit.engine.cpu.Par.L;
import static org.nvit.engine.cpu.Par.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;

/**
 * A per-chunk accumulator of column sums over many rows (bias and LayerNorm parameter gradients). Rows are summed
 * in float vectors for a block of {@link #BLOCK} rows, then flushed into double totals, so that the error stays at
 * float rounding of one block instead of growing with the row count (tens of thousands of tokens).
 */
final class ColumnSums {
    private static final int BLOCK = 32;
    private final float[] block;
    private final double[] total;
    private int pending;

    ColumnSums(int n) {
        block = new float[n];
        total = new double[n];
    }

    /** block[j] += src[so + j] for j in [0, n). */
    void add(float[] src, int so) {
        addInto(block, src, so);
        if (++pending == BLOCK) flush();
    }

    /** The float block, for callers that add a row of their own (gamma's gradient gy * xhat); then call rowDone. */
    float[] block() { return block; }

    /** Counts one row added directly into {@link #block()} by the caller. */
    void rowDone() { if (++pending == BLOCK) flush(); }

    void flush() {
        for (int j = 0; j < block.length; j++) { total[j] += block[j]; block[j] = 0; }
        pending = 0;
    }

    /** The flushed totals (call {@link #flush} first). */
    double[] total() { return total; }

    static void addInto(float[] dst, float[] src, int so) {
        int n = dst.length, j = 0;
        for (; j <= n - L; j += L)
            FloatVector.fromArray(S, dst, j).add(FloatVector.fromArray(S, src, so + j)).intoArray(dst, j);
        if (j < n) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector.fromArray(S, dst, j, m).add(FloatVector.fromArray(S, src, so + j, m)).intoArray(dst, j, m);
        }
    }

    /** out[oo + j] = (accumulate ? out[oo + j] : 0) + sum over parts of part.total()[j], rounded once. */
    static void store(ColumnSums[] parts, float[] out, int oo, boolean accumulate) {
        int n = parts[0].total.length;
        for (int j = 0; j < n; j++) {
            double s = accumulate ? out[oo + j] : 0;
            for (ColumnSums p : parts) s += p.total[j];
            out[oo + j] = (float) s;
        }
    }
}
