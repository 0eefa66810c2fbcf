package org.nvit.engine.cpu;

import org.nvit.engine.Tensor;

/** Exact (erf) GELU and its derivative in float, on {@link FastErf}. */
final class GeluOps {
    private GeluOps() {}

    /** About 40 flops per element including exp and a division. */
    private static final int COST = 40;

    static void gelu(Tensor xt, Tensor yt) {
        float[] x = xt.floats(), y = yt.floats();
        int ox = xt.off(), oy = yt.off();
        Par.flat((int) xt.numel(), COST, (from, to) -> FastErf.range(FastErf.GELU, x, ox, null, 0, y, oy, from, to));
    }

    static void geluBackward(Tensor xt, Tensor gyt, Tensor gxt) {
        float[] x = xt.floats(), gy = gyt.floats(), gx = gxt.floats();
        int ox = xt.off(), og = gyt.off(), oz = gxt.off();
        Par.flat((int) xt.numel(), COST, (from, to) -> FastErf.range(FastErf.GELU_BACKWARD, x, ox, gy, og, gx, oz, from, to));
    }
}
