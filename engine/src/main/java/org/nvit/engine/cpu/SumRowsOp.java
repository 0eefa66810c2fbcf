package org.nvit.engine.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import org.nvit.engine.Tensor;

/** Column sums of x [rows, n] into out [n] (bias gradients): chunks of rows in parallel, merged in double. */
final class SumRowsOp {
    private SumRowsOp() {}

    static void sumRows(Tensor xt, Tensor out, boolean accumulate) {
        float[] x = xt.floats();
        int ox = xt.off(), n = (int) out.numel(), rows = (int) (xt.numel() / n);
        if (n == 1) { // a full sum (F.mean): one-element rows through ColumnSums cost ~50x a flat vector sum
            sumAll(x, ox, rows, out.floats(), out.off(), accumulate);
            return;
        }
        int chunks = Par.chunks(rows, n);
        ColumnSums[] parts = new ColumnSums[chunks];
        CpuPool.forEachChunk(chunks, c -> {
            ColumnSums acc = new ColumnSums(n);
            for (int r = Par.chunkStart(rows, chunks, c), end = Par.chunkStart(rows, chunks, c + 1); r < end; r++)
                acc.add(x, ox + r * n);
            acc.flush();
            parts[c] = acc;
        });
        ColumnSums.store(parts, out.floats(), out.off(), accumulate);
    }

    /** out[oo] (+)= the sum of x[ox .. ox+len): vector blocks of 32 x L floats, each flushed into a double total. */
    private static void sumAll(float[] x, int ox, int len, float[] out, int oo, boolean accumulate) {
        int chunks = Par.chunks(len, 1);
        double[] parts = new double[chunks];
        CpuPool.forEachChunk(chunks, c -> {
            int i = Par.chunkStart(len, chunks, c), to = Par.chunkStart(len, chunks, c + 1);
            double total = 0;
            while (i < to) {
                int end = Math.min(to, i + 32 * Par.L);
                FloatVector v = FloatVector.zero(Par.S);
                for (; i + Par.L <= end; i += Par.L) v = v.add(FloatVector.fromArray(Par.S, x, ox + i));
                float s = v.reduceLanes(VectorOperators.ADD);
                for (; i < end; i++) s += x[ox + i];
                total += s;
            }
            parts[c] = total;
        });
        double s = accumulate ? out[oo] : 0;
        for (double p : parts) s += p;
        out[oo] = (float) s;
    }
}
