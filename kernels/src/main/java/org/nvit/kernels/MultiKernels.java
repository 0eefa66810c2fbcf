package org.nvit.kernels;

import org.nvit.engine.Tensor;
import org.nvit.engine.fused.MultiTensor;

/** {@link MultiTensor} on the GPU (multitensor.cu): one launch per op over cached device tables (MultiTables). */
final class MultiKernels implements MultiTensor {
    private final CudaBackend cb;
    private final Gpu gpu;
    final MultiTables tables;

    MultiKernels(CudaBackend cb) {
        this.cb = cb;
        this.gpu = cb.gpu;
        this.tables = new MultiTables(cb);
    }

    @Override public void adamw(Tensor[] ps, Tensor[] gs, Tensor[] ms, Tensor[] vs, float lr, float beta1, float beta2,
                                float eps, float[] weightDecay, int step) {
        if (ps.length == 0) return;
        if (weightDecay.length != ps.length) throw new IllegalArgumentException("adamw: one weight decay per tensor");
        MultiTables.Table t = tables.get(new Tensor[][] {ps, gs, ms, vs}, weightDecay);
        if (t.chunks() == 0) return;
        float bc1 = (float) (1 - Math.pow(beta1, step)), bc2 = (float) (1 - Math.pow(beta2, step));
        gpu.launch("nvit_adamw_multi", t.chunks(), 1, 256, 1, t.list(0), t.list(1), t.list(2), t.list(3), t.chunkTable(),
                t.floats(), lr, beta1, beta2, eps, bc1, bc2);
    }

    @Override public void axpby(float a, Tensor[] ys, float b, Tensor[] xs) {
        if (ys.length == 0) return;
        MultiTables.Table t = tables.get(new Tensor[][] {ys, xs}, null);
        if (t.chunks() > 0) gpu.launch("nvit_axpby_multi", t.chunks(), 1, 256, 1, t.list(0), t.list(1), t.chunkTable(), a, b);
    }

    @Override public void scaleBy(Tensor[] xs, Tensor factor) {
        if (xs.length == 0) return;
        if (factor.numel() != 1) throw new IllegalArgumentException("scaleBy: the factor must be a [1] tensor, got " + factor);
        MultiTables.Table t = tables.get(new Tensor[][] {xs}, null);
        if (t.chunks() > 0) gpu.launch("nvit_scale_by_multi", t.chunks(), 1, 256, 1, t.list(0), t.chunkTable(), cb.p(factor));
    }

    @Override public void sumSquares(Tensor[] xs, Tensor out) {
        if (out.numel() != 1) throw new IllegalArgumentException("sumSquares: out must be a [1] tensor, got " + out);
        MultiTables.Table t = xs.length == 0 ? null : tables.get(new Tensor[][] {xs}, null);
        if (t == null || t.chunks() == 0) {
            cb.fill(out, 0f);
            return;
        }
        long bytes = 4L * t.chunks();
        DevPtr partial = cb.scratch(bytes);
        gpu.launch("nvit_sum_squares_multi", t.chunks(), 1, 256, 1, t.list(0), t.chunkTable(), partial, cb.p(out),
                cb.ticket(CudaBackend.TICKET_SUM_SQUARES));
        cb.releaseScratch(partial, bytes);
    }
}
