package org.nvit.engine.cpu;

import static org.nvit.engine.cpu.Par.L;
import static org.nvit.engine.cpu.Par.S;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;
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

    /**
     * gx = scale * y * (gy - sum(gy * y)) per row; gx may alias gy. For a peaked row (one y near 1) gy_j - dot
     * cancels, so the dot is taken in double (exact products) and subtracted as a float pair hi + lo: gy_j - hi is
     * then exact when the two are close, and the result keeps float accuracy instead of float accuracy of the dot.
     */
    static void softmaxBackward(Tensor yt, Tensor gyt, float scale, Tensor gxt) {
        float[] y = yt.floats(), gy = gyt.floats(), gx = gxt.floats();
        int oy = yt.off(), og = gyt.off(), ox = gxt.off(), n = yt.dim(-1), rows = yt.rows();
        Par.rows(rows, 8L * n, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int yo = oy + r * n, go = og + r * n, xo = ox + r * n, j = 0;
                DoubleVector acc = DoubleVector.zero(D);
                for (; j < n; j += L) { // widened to double: the products of two floats are exact there
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector a = FloatVector.fromArray(S, gy, go + j, m), b = FloatVector.fromArray(S, y, yo + j, m);
                    for (int part = 0; part < PARTS; part++)
                        acc = ((DoubleVector) a.convertShape(VectorOperators.F2D, D, part))
                                .fma((DoubleVector) b.convertShape(VectorOperators.F2D, D, part), acc);
                }
                double dot = acc.reduceLanes(VectorOperators.ADD);
                float hi = (float) dot;
                FloatVector vhi = FloatVector.broadcast(S, hi), vlo = FloatVector.broadcast(S, (float) (dot - hi));
                for (j = 0; j <= n - L; j += L)
                    FloatVector.fromArray(S, gy, go + j).sub(vhi).sub(vlo).mul(FloatVector.fromArray(S, y, yo + j)).mul(scale)
                            .intoArray(gx, xo + j);
                if (j < n) {
                    VectorMask<Float> m = S.indexInRange(j, n);
                    FloatVector.fromArray(S, gy, go + j, m).sub(vhi).sub(vlo).mul(FloatVector.fromArray(S, y, yo + j, m))
                            .mul(scale).intoArray(gx, xo + j, m);
                }
            }
        });
    }

    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, VectorShape.forBitSize(S.vectorBitSize()));
    /** How many double vectors one float vector widens into (2). */
    private static final int PARTS = L / D.length();
}
