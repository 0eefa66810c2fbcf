package org.nvit.engine.cpu;

import static org.nvit.engine.cpu.Par.L;
import static org.nvit.engine.cpu.Par.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.nvit.engine.Tensor;

/** Row softmax with a scale (attention) and its backward, one row per task, three passes over a row. */
final class SoftmaxOps {
    private SoftmaxOps() {}

    static void softmax(Tensor xt, float scale, Tensor yt) {
        float[] x = xt.floats(), y = yt.floats();
        int ox = xt.off(), oy = yt.off(), n = xt.dim(-1), rows = xt.rows();
        Par.rows(rows, 12L * n, (r0, r1) -> {
            for (int r = r0; r < r1; r++) row(x, ox + r * n, y, oy + r * n, n, scale);
        });
    }

    /** y = exp(scale*x - max) / sum; reads x[j] before writing y[j], so y may alias x. */
    static void row(float[] x, int xo, float[] y, int yo, int n, float scale) {
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int j = 0;
        for (; j <= n - L; j += L) vmax = vmax.max(FloatVector.fromArray(S, x, xo + j).mul(scale));
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; j < n; j++) max = Math.max(max, x[xo + j] * scale);
        FloatVector negMax = FloatVector.broadcast(S, -max), vsum = FloatVector.zero(S);
        for (j = 0; j <= n - L; j += L) {
            FloatVector e = FloatVector.fromArray(S, x, xo + j).fma(FloatVector.broadcast(S, scale), negMax)
                    .lanewise(VectorOperators.EXP);
            e.intoArray(y, yo + j);
            vsum = vsum.add(e);
        }
        if (j < n) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector e = FloatVector.fromArray(S, x, xo + j, m).fma(FloatVector.broadcast(S, scale), negMax)
                    .lanewise(VectorOperators.EXP);
            e.intoArray(y, yo + j, m);
            vsum = vsum.add(e, m);
        }
        float inv = 1f / vsum.reduceLanes(VectorOperators.ADD);
        for (j = 0; j <= n - L; j += L) FloatVector.fromArray(S, y, yo + j).mul(inv).intoArray(y, yo + j);
        if (j < n) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector.fromArray(S, y, yo + j, m).mul(inv).intoArray(y, yo + j, m);
        }
    }

    /** gx = scale * y * (gy - sum(gy * y)) per row; gx may alias gy. */
    static void softmaxBackward(Tensor yt, Tensor gyt, float scale, Tensor gxt) {
        float[] y = yt.floats(), gy = gyt.floats(), gx = gxt.floats();
        int oy = yt.off(), og = gyt.off(), ox = gxt.off(), n = yt.dim(-1), rows = yt.rows();
        Par.rows(rows, 6L * n, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int yo = oy + r * n, go = og + r * n, xo = ox + r * n, j = 0;
                FloatVector acc = FloatVector.zero(S);
                for (; j <= n - L; j += L)
                    acc = FloatVector.fromArray(S, gy, go + j).fma(FloatVector.fromArray(S, y, yo + j), acc);
                if (j < n) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    acc = FloatVector.fromArray(S, gy, go + j, m).fma(FloatVector.fromArray(S, y, yo + j, m), acc);
                }
                FloatVector dot = FloatVector.broadcast(S, acc.reduceLanes(VectorOperators.ADD));
                for (j = 0; j <= n - L; j += L)
                    FloatVector.fromArray(S, gy, go + j).sub(dot).mul(FloatVector.fromArray(S, y, yo + j)).mul(scale)
                            .intoArray(gx, xo + j);
                if (j < n) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector.fromArray(S, gy, go + j, m).sub(dot).mul(FloatVector.fromArray(S, y, yo + j, m)).mul(scale)
                            .intoArray(gx, xo + j, m);
                }
            }
        });
    }
}
