package org.nvit.engine.cpu;

import static org.nvit.engine.cpu.Par.L;
import static org.nvit.engine.cpu.Par.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.nvit.engine.Tensor;

/**
 * Fused AdamW: one read and one write of param, m and v per element. The bias corrections are folded into two
 * scalars computed in double: p -= stepSize * m / (sqrt(v) * invSqrtBc2 + eps), stepSize = lr / (1 - b1^t).
 */
final class AdamWOp {
    private AdamWOp() {}

    static void adamw(Tensor pt, Tensor gt, Tensor mt, Tensor vt, float lr, float beta1, float beta2, float eps,
                      float weightDecay, int step) {
        float[] p = pt.floats(), g = gt.floats(), m = mt.floats(), v = vt.floats();
        int op = pt.off(), og = gt.off(), om = mt.off(), ov = vt.off();
        float decay = (float) (1 - (double) lr * weightDecay);
        float stepSize = (float) (lr / (1 - Math.pow(beta1, step)));
        float invSqrtBc2 = (float) (1 / Math.sqrt(1 - Math.pow(beta2, step)));
        float c1 = (float) (1 - (double) beta1), c2 = (float) (1 - (double) beta2);
        Par.flat((int) pt.numel(), 12, (from, to) -> {
            for (int i = from; i < to; i += L) {
                VectorMask<Float> k = S.indexInRange(i, to);
                FloatVector gv = FloatVector.fromArray(S, g, og + i, k);
                FloatVector mv = FloatVector.fromArray(S, m, om + i, k).mul(beta1).add(gv.mul(c1));
                FloatVector vv = FloatVector.fromArray(S, v, ov + i, k).mul(beta2).add(gv.mul(gv).mul(c2));
                FloatVector denom = vv.lanewise(VectorOperators.SQRT).fma(invSqrtBc2, eps);
                FloatVector pv = FloatVector.fromArray(S, p, op + i, k).mul(decay).sub(mv.mul(stepSize).div(denom));
                mv.intoArray(m, om + i, k);
                vv.intoArray(v, ov + i, k);
                pv.intoArray(p, op + i, k);
            }
        });
    }
}
