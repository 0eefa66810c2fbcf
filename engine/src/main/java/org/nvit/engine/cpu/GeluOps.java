package org.nvit.engine.cpu;

import static org.nvit.engine.cpu.Par.L;
import static org.nvit.engine.cpu.Par.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import org.nvit.engine.Tensor;

/** Exact (erf) GELU and its derivative in float, on {@link FastErf}. */
final class GeluOps {
    private GeluOps() {}

    /** About 40 flops per element including exp and a division. */
    private static final int COST = 40;

    static void gelu(Tensor xt, Tensor yt) {
        float[] x = xt.floats(), y = yt.floats();
        int ox = xt.off(), oy = yt.off();
        Par.flat((int) xt.numel(), COST, (from, to) -> {
            int i = from;
            for (; i <= to - L; i += L) forward(FloatVector.fromArray(S, x, ox + i)).intoArray(y, oy + i);
            if (i < to) {
                VectorMask<Float> m = S.indexInRange(i, to);
                forward(FloatVector.fromArray(S, x, ox + i, m)).intoArray(y, oy + i, m);
            }
        });
    }

    static void geluBackward(Tensor xt, Tensor gyt, Tensor gxt) {
        float[] x = xt.floats(), gy = gyt.floats(), gx = gxt.floats();
        int ox = xt.off(), oy = gyt.off(), og = gxt.off();
        Par.flat((int) xt.numel(), COST, (from, to) -> {
            int i = from;
            for (; i <= to - L; i += L)
                derivative(FloatVector.fromArray(S, x, ox + i)).mul(FloatVector.fromArray(S, gy, oy + i)).intoArray(gx, og + i);
            if (i < to) {
                VectorMask<Float> m = S.indexInRange(i, to);
                derivative(FloatVector.fromArray(S, x, ox + i, m)).mul(FloatVector.fromArray(S, gy, oy + i, m))
                        .intoArray(gx, og + i, m);
            }
        });
    }

    /** x * Phi(x). */
    private static FloatVector forward(FloatVector x) {
        FloatVector z = x.mul(FastErf.INV_SQRT2), z2 = FastErf.halfSquare(x);
        return x.mul(FastErf.cdf(z, z2, FastErf.expNegHalfSquare(x, z2)));
    }

    /** GELU'(x) = Phi(x) + x * phi(x), phi(x) = exp(-x^2 / 2) / sqrt(2 pi) = exp(-z^2) / sqrt(2 pi). */
    private static FloatVector derivative(FloatVector x) {
        FloatVector z = x.mul(FastErf.INV_SQRT2), z2 = FastErf.halfSquare(x), e = FastErf.expNegHalfSquare(x, z2);
        return x.mul(e.mul(FastErf.INV_SQRT_2PI)).add(FastErf.cdf(z, z2, e));
    }
}
