package org.nvit.engine.cpu;

import static org.nvit.engine.cpu.Par.L;
import static org.nvit.engine.cpu.Par.S;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import org.nvit.engine.Tensor;

/**
 * Soft-target cross-entropy over rows of logits, with its gradient in the same pass. Per-row losses are summed in
 * double per chunk; within a row the log-sum-exp is max-subtracted. Each grad element is written after its logit
 * and target are read, so grad may alias logits.
 */
final class CrossEntropyOp {
    private CrossEntropyOp() {}

    static double crossEntropySoft(Tensor lt, Tensor tt, Tensor gt, float gradScale) {
        float[] l = lt.floats(), t = tt.floats(), g = gt != null ? gt.floats() : null;
        int ol = lt.off(), ot = tt.off(), og = gt != null ? gt.off() : 0, n = lt.dim(-1), rows = lt.rows();
        float gs = gradScale / rows;
        int chunks = Par.chunks(rows, 10L * n);
        double[] loss = new double[chunks];
        CpuPool.forEachChunk(chunks, c -> {
            double total = 0;
            for (int r = Par.chunkStart(rows, chunks, c), end = Par.chunkStart(rows, chunks, c + 1); r < end; r++)
                total += row(l, ol + r * n, t, ot + r * n, g, og + r * n, n, gs);
            loss[c] = total;
        });
        double s = 0;
        for (double v : loss) s += v;
        return s / rows;
    }

    /** -sum_j t_j log softmax_j for one row; writes (softmax * sum(t) - t) * gs into g when g != null. */
    private static double row(float[] l, int lo, float[] t, int to, float[] g, int go, int n, float gs) {
        FloatVector vmax = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
        int j = 0;
        for (; j <= n - L; j += L) vmax = vmax.max(FloatVector.fromArray(S, l, lo + j));
        float max = vmax.reduceLanes(VectorOperators.MAX);
        for (; j < n; j++) max = Math.max(max, l[lo + j]);
        FloatVector negMax = FloatVector.broadcast(S, -max), sum = FloatVector.zero(S);
        for (j = 0; j <= n - L; j += L) sum = sum.add(FloatVector.fromArray(S, l, lo + j).add(negMax).lanewise(VectorOperators.EXP));
        if (j < n) {
            VectorMask<Float> m = S.indexInRange(j, n);
            sum = sum.add(FloatVector.fromArray(S, l, lo + j, m).add(negMax).lanewise(VectorOperators.EXP), m);
        }
        double sumExp = sum.reduceLanes(VectorOperators.ADD);
        // loss = sum_j t_j (lse - l_j) = tsum * log(sumExp) - sum_j t_j (l_j - max): no float rounding of lse
        FloatVector tl = FloatVector.zero(S), ts = FloatVector.zero(S);
        for (j = 0; j <= n - L; j += L) {
            FloatVector tv = FloatVector.fromArray(S, t, to + j);
            tl = FloatVector.fromArray(S, l, lo + j).add(negMax).fma(tv, tl);
            ts = ts.add(tv);
        }
        if (j < n) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector tv = FloatVector.fromArray(S, t, to + j, m);
            tl = FloatVector.fromArray(S, l, lo + j, m).add(negMax).fma(tv, tl); // tv = 0 in masked-off lanes
            ts = ts.add(tv);
        }
        float tsum = ts.reduceLanes(VectorOperators.ADD);
        if (g != null) {
            float pScale = (float) (tsum * gs / sumExp); // softmax_j * tsum * gs = exp(l_j - max) * pScale
            for (j = 0; j <= n - L; j += L) {
                FloatVector e = FloatVector.fromArray(S, l, lo + j).add(negMax).lanewise(VectorOperators.EXP);
                e.mul(pScale).sub(FloatVector.fromArray(S, t, to + j).mul(gs)).intoArray(g, go + j);
            }
            if (j < n) {
                VectorMask<Float> m = S.indexInRange(j, n);
                FloatVector e = FloatVector.fromArray(S, l, lo + j, m).add(negMax).lanewise(VectorOperators.EXP);
                e.mul(pScale).sub(FloatVector.fromArray(S, t, to + j, m).mul(gs)).intoArray(g, go + j, m);
            }
        }
        return tsum * Math.log(sumExp) - tl.reduceLanes(VectorOperators.ADD);
    }
}
