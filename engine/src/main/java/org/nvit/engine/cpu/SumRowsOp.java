package org.nvit.engine.cpu;

import org.nvit.engine.Tensor;

/** Column sums of x [rows, n] into out [n] (bias gradients): chunks of rows in parallel, merged in double. */
final class SumRowsOp {
    private SumRowsOp() {}

    static void sumRows(Tensor xt, Tensor out, boolean accumulate) {
        float[] x = xt.floats();
        int ox = xt.off(), n = (int) out.numel(), rows = (int) (xt.numel() / n);
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
}
